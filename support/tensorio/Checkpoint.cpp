//===- Checkpoint.cpp - a training run's state on disk ------------------===//
//
// Format (little-endian): "CVCCKPT3", then u64 seed, epoch, batch, step,
// images per step, ranks, the model name and each state as (u64 length,
// bytes) strings and (u64 count, float32 values); then the tensor table, a
// u64 count of (name, u64 state, u64 offset, u64 rank, rank x i64 dims);
// and a trailing FNV-1a hash of everything before it, so that a truncated
// or corrupted file is refused rather than loaded. Format 2 ("CVCCKPT2")
// lacked the images per step and ranks, format 1 ("CVCCKPT1") the tensor
// table too; both are still read.
//
//===----------------------------------------------------------------------===//
#include "cvc/tensorio/Checkpoint.h"
#include "cvc/files/AtomicFile.h"

#include <cstdio>
#include <cstring>

namespace cvc::tensorio {
namespace {

constexpr char kMagic[8] = {'C', 'V', 'C', 'C', 'K', 'P', 'T', '3'};
constexpr size_t kVersionByte = 7;

void putU64(std::string &out, uint64_t v) { out.append(reinterpret_cast<const char *>(&v), 8); }

struct Reader {
  const std::string &bytes;
  size_t pos = 0;
  bool u64(uint64_t &v) {
    if (bytes.size() - pos < 8)
      return false;
    std::memcpy(&v, bytes.data() + pos, 8);
    pos += 8;
    return true;
  }
  bool text(std::string &s) {
    uint64_t n;
    if (!u64(n) || bytes.size() - pos < n)
      return false;
    s.assign(bytes.data() + pos, n);
    pos += n;
    return true;
  }
  bool floats(std::vector<float> &v) {
    uint64_t n;
    if (!u64(n) || (bytes.size() - pos) / sizeof(float) < n)
      return false;
    v.resize(n);
    if (n) // an empty vector's data() may be null, which memcpy must not get
      std::memcpy(v.data(), bytes.data() + pos, n * sizeof(float));
    pos += n * sizeof(float);
    return true;
  }
};

} // namespace

uint64_t checkpointChecksum(const char *bytes, size_t size) {
  uint64_t hash = 1469598103934665603ull;
  for (size_t i = 0; i < size; ++i) {
    hash ^= static_cast<unsigned char>(bytes[i]);
    hash *= 1099511628211ull;
  }
  return hash;
}

Tensor Checkpoint::tensor(const Slice &slice) const {
  Tensor t;
  t.shape = slice.shape;
  const float *from = states[slice.state].values.data() + slice.offset;
  t.data.assign(from, from + elementCount(slice.shape, INT64_MAX).value_or(0));
  return t;
}

bool writeCheckpoint(const std::string &path, const Checkpoint &c, std::string &error) {
  std::string bytes(kMagic, sizeof(kMagic));
  for (uint64_t v : {c.seed, c.epoch, c.batch, c.step, c.imagesPerStep, c.ranks})
    putU64(bytes, v);
  putU64(bytes, c.model.size());
  bytes += c.model;
  putU64(bytes, c.states.size());
  for (const Checkpoint::State &s : c.states) {
    putU64(bytes, s.name.size());
    bytes += s.name;
    putU64(bytes, s.values.size());
    bytes.append(reinterpret_cast<const char *>(s.values.data()), s.values.size() * sizeof(float));
  }
  putU64(bytes, c.tensors.size());
  for (const Checkpoint::Slice &t : c.tensors) {
    putU64(bytes, t.name.size());
    bytes += t.name;
    for (uint64_t v : {t.state, t.offset, static_cast<uint64_t>(t.shape.size())})
      putU64(bytes, v);
    for (int64_t d : t.shape)
      putU64(bytes, static_cast<uint64_t>(d));
  }
  putU64(bytes, checkpointChecksum(bytes.data(), bytes.size()));

  // Synced: after a crash or power loss the newest checkpoint is whole.
  return files::writeFileAtomically(path, bytes, error, /*durable=*/true);
}

bool readCheckpoint(const std::string &path, Checkpoint &c, std::string &error) {
  FILE *file = std::fopen(path.c_str(), "rb");
  if (!file) {
    error = "cannot read checkpoint '" + path + "': " + std::strerror(errno);
    return false;
  }
  std::string bytes;
  char buffer[1 << 16];
  for (size_t n; (n = std::fread(buffer, 1, sizeof(buffer), file)) > 0;)
    bytes.append(buffer, n);
  std::fclose(file);
  auto corrupt = [&](const std::string &what) {
    error = "checkpoint '" + path + "' is " + what;
    return false;
  };
  if (bytes.size() < sizeof(kMagic) + 8 ||
      std::memcmp(bytes.data(), kMagic, kVersionByte) != 0 || bytes[kVersionByte] < '1' ||
      bytes[kVersionByte] > kMagic[kVersionByte])
    return corrupt("not a cvc checkpoint (bad magic)");
  const int format = bytes[kVersionByte] - '0';
  uint64_t stored;
  std::memcpy(&stored, bytes.data() + bytes.size() - 8, 8);
  std::string body = bytes.substr(0, bytes.size() - 8);
  if (checkpointChecksum(body.data(), body.size()) != stored)
    return corrupt("truncated or corrupted (checksum mismatch)");
  Reader r{body, sizeof(kMagic)};
  uint64_t count;
  if (!r.u64(c.seed) || !r.u64(c.epoch) || !r.u64(c.batch) || !r.u64(c.step))
    return corrupt("truncated");
  c.imagesPerStep = 0;
  c.ranks = 1;
  if (format >= 3 && (!r.u64(c.imagesPerStep) || !r.u64(c.ranks)))
    return corrupt("truncated");
  if (!r.text(c.model) || !r.u64(count))
    return corrupt("truncated");
  c.states.clear();
  for (uint64_t i = 0; i < count; ++i) {
    Checkpoint::State s;
    if (!r.text(s.name) || !r.floats(s.values))
      return corrupt("truncated");
    c.states.push_back(std::move(s));
  }
  c.tensors.clear();
  if (format == 1)
    return true;
  if (!r.u64(count))
    return corrupt("truncated");
  for (uint64_t i = 0; i < count; ++i) {
    Checkpoint::Slice t;
    uint64_t rank;
    if (!r.text(t.name) || !r.u64(t.state) || !r.u64(t.offset) || !r.u64(rank))
      return corrupt("truncated");
    if (rank > 8)
      return corrupt("inconsistent: tensor '" + t.name + "' has rank " + std::to_string(rank));
    if (t.state >= c.states.size())
      return corrupt("inconsistent: tensor '" + t.name + "' names no state");
    // Bounded at every factor, so that hostile dims cannot overflow.
    const uint64_t available = c.states[t.state].values.size();
    uint64_t elements = 1;
    t.shape.resize(rank);
    for (int64_t &d : t.shape) {
      uint64_t v;
      if (!r.u64(v))
        return corrupt("truncated");
      if (v > available || (v != 0 && elements > available / v))
        return corrupt("inconsistent: tensor '" + t.name + "' is larger than its state");
      d = static_cast<int64_t>(v);
      elements *= v;
    }
    if (t.offset > available || elements > available - t.offset)
      return corrupt("inconsistent: tensor '" + t.name + "' lies outside its state");
    c.tensors.push_back(std::move(t));
  }
  if (r.pos != body.size())
    return corrupt("inconsistent (bytes after the tensor table)");
  return true;
}

} // namespace cvc::tensorio

//===- CheckpointTest.cpp - the checkpoint format on disk ---------------===//
//
// Round trip of states, the run's shape and the tensor table (and a slice's
// values); format-1 and format-2 files still read; a
// damaged or hostile file is refused with a message, never read past its
// end or into a tensor that lies outside its state.
//
//===----------------------------------------------------------------------===//
#include "cvc/tensorio/Checkpoint.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <unistd.h>

using cvc::tensorio::Checkpoint;
using cvc::tensorio::readCheckpoint;
using cvc::tensorio::writeCheckpoint;

namespace {

std::string tempPath(const char *name) {
  return (std::filesystem::temp_directory_path() /
          ("cvc-ckpt-test-" + std::to_string(getpid()) + "-" + name))
      .string();
}

Checkpoint sample() {
  Checkpoint c;
  c.model = "net";
  c.seed = 7;
  c.epoch = 2;
  c.batch = 3;
  c.step = 40;
  c.imagesPerStep = 64;
  c.ranks = 2;
  c.states = {{"parameters", {1, 2, 3, 4, 5, 6, 7}}, {"momentum", {0, 0, 0, 0, 0, 0, 0}}};
  c.tensors = {{"fc.weight", 0, 0, {2, 3}}, {"fc.bias", 0, 6, {1}}};
  return c;
}

std::string readBytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeBytes(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

uint64_t fnv1a(const std::string &bytes) {
  uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

/// Re-seals an edited body with a valid checksum, as a hostile writer would.
std::string sealed(std::string body) {
  uint64_t hash = fnv1a(body);
  body.append(reinterpret_cast<const char *>(&hash), 8);
  return body;
}

} // namespace

TEST(Checkpoint, RoundTripKeepsStatesAndTensorTable) {
  std::string path = tempPath("round");
  std::string error;
  ASSERT_TRUE(writeCheckpoint(path, sample(), error)) << error;
  Checkpoint back;
  ASSERT_TRUE(readCheckpoint(path, back, error)) << error;
  EXPECT_EQ(back.model, "net");
  EXPECT_EQ(back.step, 40u);
  EXPECT_EQ(back.imagesPerStep, 64u);
  EXPECT_EQ(back.ranks, 2u);
  ASSERT_EQ(back.states.size(), 2u);
  EXPECT_EQ(back.states[0].values, sample().states[0].values);
  ASSERT_EQ(back.tensors.size(), 2u);
  EXPECT_EQ(back.tensors[0].name, "fc.weight");
  EXPECT_EQ(back.tensors[0].shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(back.tensors[1].offset, 6u);
  // A slice's values are its part of its state.
  cvc::tensorio::Tensor weight = back.tensor(back.tensors[0]), bias = back.tensor(back.tensors[1]);
  EXPECT_EQ(weight.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(weight.data, (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(bias.data, (std::vector<float>{7}));
  std::remove(path.c_str());
}

/// `c` written, then rewritten as an older format: without the images per
/// step and ranks (format 2), and without the (empty, 8-byte) tensor table
/// too (format 1).
std::string olderFormat(const Checkpoint &c, char version) {
  std::string path = tempPath("older");
  std::string error;
  EXPECT_TRUE(writeCheckpoint(path, c, error)) << error;
  std::string bytes = readBytes(path);
  std::remove(path.c_str());
  std::string body = bytes.substr(0, bytes.size() - 8);
  body.erase(8 + 4 * 8, 2 * 8);
  if (version == '1')
    body.resize(body.size() - 8);
  body[7] = version;
  return sealed(body);
}

TEST(Checkpoint, ReadsFormatTwoWithoutTheRunsShape) {
  std::string path = tempPath("v2");
  std::string error;
  writeBytes(path, olderFormat(sample(), '2'));
  Checkpoint back;
  ASSERT_TRUE(readCheckpoint(path, back, error)) << error;
  EXPECT_EQ(back.step, 40u);
  EXPECT_EQ(back.imagesPerStep, 0u); // unknown
  EXPECT_EQ(back.ranks, 1u);
  EXPECT_EQ(back.tensors.size(), 2u);
  std::remove(path.c_str());
}

TEST(Checkpoint, ReadsFormatOneWithoutTensorTable) {
  std::string path = tempPath("v1");
  std::string error;
  Checkpoint c = sample();
  c.tensors.clear();
  writeBytes(path, olderFormat(c, '1'));
  Checkpoint back;
  ASSERT_TRUE(readCheckpoint(path, back, error)) << error;
  EXPECT_EQ(back.states.size(), 2u);
  EXPECT_TRUE(back.tensors.empty());
  // A version after this reader's is not a checkpoint it knows.
  std::string bytes = readBytes(path);
  bytes[7] = '4';
  writeBytes(path, sealed(bytes.substr(0, bytes.size() - 8)));
  EXPECT_FALSE(readCheckpoint(path, back, error));
  EXPECT_NE(error.find("bad magic"), std::string::npos) << error;
  std::remove(path.c_str());
}

TEST(Checkpoint, RefusesDamagedOrHostileFiles) {
  std::string path = tempPath("bad");
  std::string error;
  ASSERT_TRUE(writeCheckpoint(path, sample(), error)) << error;
  std::string good = readBytes(path);
  std::string body = good.substr(0, good.size() - 8);
  auto refused = [&](const std::string &bytes, const char *expected) {
    writeBytes(path, bytes);
    Checkpoint back;
    std::string message;
    EXPECT_FALSE(readCheckpoint(path, back, message));
    EXPECT_NE(message.find(expected), std::string::npos) << message;
  };
  refused(good.substr(0, good.size() / 2), "checksum mismatch");
  refused("not a checkpoint at all", "bad magic");
  // The last tensor ("fc.bias", rank 1): its one dim is the body's last 8
  // bytes and its offset sits 16 bytes before the rank.
  std::string huge = body;
  uint64_t dim = 1ull << 62;
  std::memcpy(&huge[huge.size() - 8], &dim, 8);
  refused(sealed(huge), "larger than its state");
  std::string outside = body;
  uint64_t offset = 7;
  std::memcpy(&outside[outside.size() - 24], &offset, 8);
  refused(sealed(outside), "lies outside its state");
  refused(sealed(body + "x"), "bytes after the tensor table");
  std::remove(path.c_str());
}

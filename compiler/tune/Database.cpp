//===- Database.cpp - reading and appending the tuning database ---------===//
#include "cvc/tune/Database.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <limits>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace cvc::tune {
namespace {

constexpr const char *kHeader =
    "# cvc tuning database, format 1 (docs/tuning.md): tab-separated records\n"
    "# tuned  target threads batch signature point default_ms tuned_ms spread strategy trials "
    "date\n"
    "# trial  target threads batch signature point result strategy\n";
/// Longer lines are not a record cvc wrote.
constexpr size_t kMaxLine = 1 << 20;
constexpr int kMaxThreads = 1 << 16, kMaxBatch = 1 << 24;

std::string escape(const std::string &field) {
  std::string out;
  out.reserve(field.size());
  for (char c : field) {
    switch (c) {
    case '\\': out += "\\\\"; break;
    case '\t': out += "\\t"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    default: out += c;
    }
  }
  return out;
}

std::optional<std::string> unescape(const std::string &field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] != '\\') {
      out += field[i];
      continue;
    }
    if (++i == field.size())
      return std::nullopt;
    switch (field[i]) {
    case '\\': out += '\\'; break;
    case 't': out += '\t'; break;
    case 'n': out += '\n'; break;
    case 'r': out += '\r'; break;
    default: return std::nullopt;
    }
  }
  return out;
}

std::vector<std::string> splitTabs(const std::string &line) {
  std::vector<std::string> fields;
  size_t start = 0;
  while (true) {
    size_t tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos)
      return fields;
    start = tab + 1;
  }
}

std::optional<double> parseMs(const std::string &text) {
  if (text.empty() || text.size() > 64)
    return std::nullopt;
  errno = 0;
  char *end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (errno || end != text.c_str() + text.size() || !std::isfinite(v) || v < 0)
    return std::nullopt;
  return v;
}

std::optional<int> parseCount(const std::string &text, int max) {
  if (text.empty() || text.size() > 10 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  long v = std::strtol(text.c_str(), nullptr, 10);
  if (v < 0 || v > max)
    return std::nullopt;
  return static_cast<int>(v);
}

std::string formatMs(double ms) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.6g", ms);
  return text;
}

std::string nowIso() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

/// A signature as its numbers and the text around them ('#' for each).
struct Shape {
  std::string skeleton;
  std::vector<int64_t> numbers;
};

Shape shapeOf(const std::string &text) {
  Shape s;
  for (size_t i = 0; i < text.size();) {
    if (text[i] >= '0' && text[i] <= '9') {
      int64_t v = 0;
      while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        v = std::min<int64_t>(v * 10 + (text[i] - '0'), int64_t(1) << 40);
        ++i;
      }
      s.numbers.push_back(v);
      s.skeleton += '#';
    } else {
      s.skeleton += text[i++];
    }
  }
  return s;
}

double numberDistance(const Shape &a, const Shape &b) {
  double d = 0;
  for (size_t i = 0; i < a.numbers.size(); ++i)
    d += std::fabs(std::log2((a.numbers[i] + 1.0) / (b.numbers[i] + 1.0)));
  return d;
}

/// The operand and result types of a signature: from the first " (" that
/// opens them (attributes print as {...} and never hold " (").
std::string typesOf(const std::string &signature) {
  size_t open = signature.find(" (");
  return open == std::string::npos ? std::string() : signature.substr(open);
}

double logRatio(int a, int b) { return std::fabs(std::log2(double(std::max(a, 1)) / std::max(b, 1))); }

} // namespace

std::string signatureOp(const std::string &signature) {
  return signature.substr(0, signature.find(' '));
}

double keyDistance(const TuningKey &a, const TuningKey &b) {
  constexpr double kInfinity = std::numeric_limits<double>::infinity();
  if (signatureOp(a.signature) != signatureOp(b.signature))
    return kInfinity;
  double context = 0.5 * (logRatio(a.threads, b.threads) + logRatio(a.batch, b.batch));
  Shape sa = shapeOf(a.signature), sb = shapeOf(b.signature);
  if (sa.skeleton == sb.skeleton)
    return numberDistance(sa, sb) + context;
  // Other attributes (an epilogue, a pool): compare the shapes alone.
  constexpr double kAttributePenalty = 4.0;
  Shape ta = shapeOf(typesOf(a.signature)), tb = shapeOf(typesOf(b.signature));
  if (ta.skeleton.empty() || ta.skeleton != tb.skeleton)
    return kInfinity;
  return numberDistance(ta, tb) + kAttributePenalty + context;
}

std::optional<TuningDatabase> TuningDatabase::open(const std::string &path, std::string &error,
                                                   uint64_t maxBytes) {
  TuningDatabase db;
  db.path_ = path;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT)
      return db;
    error = "cannot read the tuning database '" + path + "': " + std::strerror(errno);
    return std::nullopt;
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    error = "the tuning database '" + path + "' is not a regular file";
    return std::nullopt;
  }
  if (static_cast<uint64_t>(st.st_size) > maxBytes) {
    ::close(fd);
    error = "the tuning database '" + path + "' is " + std::to_string(st.st_size) +
            " bytes, over the limit of " + std::to_string(maxBytes);
    return std::nullopt;
  }
  // Shared with appenders: a line is read whole or not at all.
  flock(fd, LOCK_SH);
  std::string text;
  char buffer[1 << 16];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      error = "cannot read the tuning database '" + path + "': " + std::strerror(errno);
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0 || text.size() + n > maxBytes)
      break;
    text.append(buffer, n);
  }
  ::close(fd);

  size_t number = 0;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    ++number;
    if (end == std::string::npos) {
      db.warnings_.push_back(path + ":" + std::to_string(number) +
                             ": an unfinished last line (a run was killed while writing it); "
                             "skipped");
      break;
    }
    db.parseLine(text.substr(start, end - start), number);
    start = end + 1;
  }
  return db;
}

void TuningDatabase::parseLine(const std::string &line, size_t number) {
  if (line.empty() || line[0] == '#')
    return;
  auto warn = [&](const std::string &why) {
    warnings_.push_back(path_ + ":" + std::to_string(number) + ": " + why + "; skipped");
  };
  if (line.size() > kMaxLine)
    return warn("a line of " + std::to_string(line.size()) + " bytes");
  std::vector<std::string> raw = splitTabs(line);
  std::vector<std::string> f;
  for (const std::string &field : raw) {
    std::optional<std::string> text = unescape(field);
    if (!text)
      return warn("a bad escape sequence");
    f.push_back(std::move(*text));
  }
  bool tuned = f[0] == "tuned", trial = f[0] == "trial";
  if (!tuned && !trial)
    return warn("an unknown record kind '" + f[0].substr(0, 20) + "'");
  if ((tuned && f.size() != 12) || (trial && f.size() != 8))
    return warn("a '" + f[0] + "' record with " + std::to_string(f.size()) + " fields");
  TuningKey key;
  key.target = f[1];
  std::optional<int> threads = parseCount(f[2], kMaxThreads), batch = parseCount(f[3], kMaxBatch);
  if (!threads || *threads < 1 || !batch || *batch < 1)
    return warn("a bad thread count or batch");
  key.threads = *threads;
  key.batch = *batch;
  key.signature = f[4];
  if (key.target.empty() || key.signature.empty() || f[5].empty())
    return warn("an empty target, signature or point");
  if (tuned) {
    TunedRecord r;
    r.key = std::move(key);
    r.point = f[5];
    std::optional<double> d = parseMs(f[6]), t = parseMs(f[7]), s = parseMs(f[8]);
    std::optional<int> trials = parseCount(f[10], 1 << 30);
    if (!d || !t || !s || !trials)
      return warn("a bad time, spread or trial count");
    r.defaultMs = *d;
    r.tunedMs = *t;
    r.spread = *s;
    r.strategy = f[9];
    r.trials = *trials;
    r.date = f[11];
    tuned_.push_back(std::move(r));
    return;
  }
  TrialRecord r;
  r.key = std::move(key);
  r.point = f[5];
  r.strategy = f[7];
  if (std::optional<double> ms = parseMs(f[6])) {
    r.ms = ms;
    r.status = "ok";
  } else if (f[6] == "wrong" || f[6] == "crashed" || f[6] == "timeout" || f[6] == "failed") {
    r.status = f[6];
  } else {
    return warn("a bad trial result '" + f[6].substr(0, 20) + "'");
  }
  trials_.push_back(std::move(r));
}

namespace {
std::string keyFields(const TuningKey &key) {
  return escape(key.target) + "\t" + std::to_string(key.threads) + "\t" +
         std::to_string(key.batch) + "\t" + escape(key.signature);
}
} // namespace

std::string TuningDatabase::format(const TunedRecord &r) {
  return "tuned\t" + keyFields(r.key) + "\t" + escape(r.point) + "\t" + formatMs(r.defaultMs) +
         "\t" + formatMs(r.tunedMs) + "\t" + formatMs(r.spread) + "\t" + escape(r.strategy) +
         "\t" + std::to_string(r.trials) + "\t" + escape(r.date.empty() ? nowIso() : r.date);
}

std::string TuningDatabase::format(const TrialRecord &r) {
  return "trial\t" + keyFields(r.key) + "\t" + escape(r.point) + "\t" +
         (r.ms ? formatMs(*r.ms) : escape(r.status)) + "\t" + escape(r.strategy);
}

bool TuningDatabase::appendLine(const std::string &line, std::string &error) {
  int fd = ::open(path_.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = "cannot write the tuning database '" + path_ + "': " + std::strerror(errno);
    return false;
  }
  flock(fd, LOCK_EX);
  std::string text;
  struct stat st {};
  if (fstat(fd, &st) == 0) {
    if (st.st_size == 0) {
      text = kHeader;
    } else {
      char last = '\n';
      if (pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n')
        text = "\n"; // end a partial line a killed writer left
    }
  }
  text += line;
  text += '\n';
  const char *p = text.data();
  size_t left = text.size();
  bool ok = true;
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      error = "cannot write the tuning database '" + path_ + "': " + std::strerror(errno);
      ok = false;
      break;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  ::close(fd); // releases the lock
  return ok;
}

bool TuningDatabase::append(const TunedRecord &record, std::string &error) {
  TunedRecord r = record;
  if (r.date.empty())
    r.date = nowIso();
  if (!appendLine(format(r), error))
    return false;
  tuned_.push_back(std::move(r));
  return true;
}

bool TuningDatabase::append(const TrialRecord &record, std::string &error) {
  if (!appendLine(format(record), error))
    return false;
  trials_.push_back(record);
  return true;
}

const TunedRecord *TuningDatabase::findTuned(const TuningKey &key) const {
  for (auto it = tuned_.rbegin(); it != tuned_.rend(); ++it)
    if (it->key == key)
      return &*it;
  return nullptr;
}

const TunedRecord *TuningDatabase::lookup(const TuningKey &key) const {
  const TunedRecord *best = nullptr;
  double bestDistance = 0;
  for (auto it = tuned_.rbegin(); it != tuned_.rend(); ++it) {
    if (it->key.target != key.target || it->key.signature != key.signature)
      continue;
    double d = logRatio(it->key.threads, key.threads) + logRatio(it->key.batch, key.batch);
    if (!best || d < bestDistance) {
      best = &*it;
      bestDistance = d;
    }
  }
  return best;
}

std::vector<const TunedRecord *> TuningDatabase::neighbours(const TuningKey &key, size_t limit,
                                                            bool improvedOnly) const {
  std::vector<std::pair<double, const TunedRecord *>> found;
  for (auto it = tuned_.rbegin(); it != tuned_.rend(); ++it) {
    if (it->key.target != key.target || it->key.signature == key.signature)
      continue;
    // The newest record of each key stands for it.
    if (std::any_of(found.begin(), found.end(),
                    [&](const auto &f) { return f.second->key == it->key; }))
      continue;
    if (improvedOnly && !(it->tunedMs < it->defaultMs))
      continue;
    double d = keyDistance(key, it->key);
    if (std::isfinite(d))
      found.emplace_back(d, &*it);
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const auto &a, const auto &b) { return a.first < b.first; });
  std::vector<const TunedRecord *> result;
  for (size_t i = 0; i < found.size() && i < limit; ++i)
    result.push_back(found[i].second);
  return result;
}

std::vector<const TrialRecord *> TuningDatabase::trialsOf(const TuningKey &key) const {
  std::vector<const TrialRecord *> result;
  for (const TrialRecord &r : trials_)
    if (r.key == key)
      result.push_back(&r);
  return result;
}

} // namespace cvc::tune

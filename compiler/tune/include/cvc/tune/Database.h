//===- Database.h - the tuning database: measured schedules by kernel -*- C++ -*-===//
//
// A text file, one record per line, tab-separated, reviewable in a diff:
//
//   tuned  TARGET THREADS BATCH SIGNATURE POINT DEFAULT_MS TUNED_MS SPREAD STRATEGY TRIALS DATE
//   trial  TARGET THREADS BATCH SIGNATURE POINT RESULT STRATEGY
//
// A `tuned` record is a finished search: the point cvc compiles the kernel
// with (the default's own text when nothing beat it beyond the measured
// spread). A `trial` is one measured candidate (RESULT: milliseconds, or
// wrong / crashed / timeout / failed), kept so that a killed run resumes
// where it stopped and never measures a point twice. Lines starting with
// '#' are comments.
//
// Appends are one write(2) each under an exclusive flock, after making sure
// the file ends in a newline: a run killed mid-write leaves at most one
// partial last line, which readers skip with a warning, and two tuners on
// one file interleave whole lines. Nothing is ever rewritten in place.
//
// This library is the part `cvc --tuning-db` links: plain C++, no MLIR and
// no Halide.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_TUNE_DATABASE_H
#define CVC_TUNE_DATABASE_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cvc::tune {

/// What a measurement depends on besides the point.
struct TuningKey {
  std::string target;    ///< the Halide target string (ISA features)
  int threads = 1;       ///< threads the kernel ran on
  int batch = 1;         ///< extent of the dynamic batch dimension
  std::string signature; ///< the kernel: op, attributes, fused epilogue, operand types, views

  bool operator==(const TuningKey &o) const {
    return threads == o.threads && batch == o.batch && target == o.target &&
           signature == o.signature;
  }
};

/// A finished search for one kernel.
struct TunedRecord {
  TuningKey key;
  std::string point;      ///< text form of the chosen point
  double defaultMs = 0;   ///< the default point, median of the confirming rounds
  double tunedMs = 0;     ///< the chosen point, likewise
  double spread = 0;      ///< relative round-to-round spread the decision allowed for
  std::string strategy;   ///< cvc, random, adams2019, ...
  int trials = 0;         ///< candidates measured
  std::string date;       ///< ISO 8601, UTC
};

/// One measured candidate.
struct TrialRecord {
  TuningKey key;
  std::string point;
  std::optional<double> ms; ///< set when the candidate ran and matched the default
  std::string status;       ///< "ok", "wrong", "crashed", "timeout", "failed"
  std::string strategy;
};

/// How far apart two kernels are, for warm starts: infinite for different
/// ops, else the sum of |log2| ratios of the numbers their signatures hold
/// (shapes, strides, pads) where the two have the same form, with a
/// penalty where their attributes differ; plus half the |log2| ratios of
/// their thread counts and batches.
double keyDistance(const TuningKey &a, const TuningKey &b);

/// The op name a signature starts with ("cv.conv2d_blocked").
std::string signatureOp(const std::string &signature);

class TuningDatabase {
public:
  /// Reads `path`. A missing file is an empty database; an unreadable one,
  /// or one over `maxBytes`, fails with `error`. Malformed lines (a partial
  /// last line, a bad number) are skipped and listed in warnings().
  static std::optional<TuningDatabase> open(const std::string &path, std::string &error,
                                            uint64_t maxBytes = uint64_t(1) << 30);

  const std::string &path() const { return path_; }
  const std::vector<std::string> &warnings() const { return warnings_; }
  const std::vector<TunedRecord> &tuned() const { return tuned_; }
  const std::vector<TrialRecord> &trials() const { return trials_; }

  /// Appends a record to the file (atomically, see above) and to memory.
  bool append(const TunedRecord &record, std::string &error);
  bool append(const TrialRecord &record, std::string &error);

  /// The newest tuned record for exactly `key`.
  const TunedRecord *findTuned(const TuningKey &key) const;
  /// The newest tuned record for `key`'s target and signature, from the
  /// thread count and batch nearest `key`'s (the same ones first).
  const TunedRecord *lookup(const TuningKey &key) const;
  /// Tuned records of other kernels of the same op and target, nearest
  /// first by keyDistance, at most `limit`. With `improvedOnly`, only those
  /// whose point beat their own default (a kept default says nothing about
  /// another kernel, whose own default suits its shape).
  std::vector<const TunedRecord *> neighbours(const TuningKey &key, size_t limit,
                                              bool improvedOnly = false) const;
  /// Every trial of exactly `key`, in file order.
  std::vector<const TrialRecord *> trialsOf(const TuningKey &key) const;

  /// The line a record is written as (without the newline).
  static std::string format(const TunedRecord &record);
  static std::string format(const TrialRecord &record);

private:
  bool appendLine(const std::string &line, std::string &error);
  void parseLine(const std::string &line, size_t number);

  std::string path_;
  std::vector<std::string> warnings_;
  std::vector<TunedRecord> tuned_;
  std::vector<TrialRecord> trials_;
};

} // namespace cvc::tune

#endif // CVC_TUNE_DATABASE_H

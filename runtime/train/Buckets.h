//===- Buckets.h - a vector cut into buckets, and which are ready ---*- C++ -*-===//
//
// An overlapped exchange starts a bucket of the gradients once all of its
// elements are final. The backward pass reports ranges in whatever order
// its kernels finish (the last layer's first, a bias after its weights, an
// auxiliary head mid-pass), so a report may cover part of a bucket, or
// several, or lie before a range already reported.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_TRAIN_BUCKETS_H
#define CVC_TRAIN_BUCKETS_H

#include <algorithm>
#include <cstddef>
#include <vector>

namespace cvc::train {

class Buckets {
public:
  /// `count` elements in buckets of `perBucket` (>= 1), the last shorter.
  Buckets(size_t count, size_t perBucket) : count_(count), perBucket_(perBucket) {
    ready_.assign(count == 0 ? 0 : (count + perBucket - 1) / perBucket, 0);
  }

  size_t size() const { return ready_.size(); }
  size_t begin(size_t bucket) const { return bucket * perBucket_; }
  size_t length(size_t bucket) const { return std::min(perBucket_, count_ - begin(bucket)); }

  /// Marks elements [first, first + count) final (the part inside the
  /// vector; each element once) and appends the buckets this completes to
  /// `completed`, in index order.
  void markReady(size_t first, size_t count, std::vector<size_t> &completed) {
    size_t end = std::min(count_, first + std::min(count, count_));
    if (first >= end)
      return;
    for (size_t b = first / perBucket_; b < ready_.size() && begin(b) < end; ++b) {
      size_t overlap = std::min(end, begin(b) + length(b)) - std::max(first, begin(b));
      bool wasComplete = ready_[b] >= length(b);
      ready_[b] += overlap;
      if (!wasComplete && ready_[b] >= length(b))
        completed.push_back(b);
    }
  }

private:
  size_t count_, perBucket_;
  std::vector<size_t> ready_; ///< final elements per bucket
};

} // namespace cvc::train

#endif // CVC_TRAIN_BUCKETS_H

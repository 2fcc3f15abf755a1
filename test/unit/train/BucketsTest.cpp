//===- BucketsTest.cpp - which buckets a report of final ranges completes -===//
#include "Buckets.h"

#include <gtest/gtest.h>

#include <numeric>
#include <random>

using cvc::train::Buckets;

namespace {

std::vector<size_t> mark(Buckets &buckets, size_t first, size_t count) {
  std::vector<size_t> completed;
  buckets.markReady(first, count, completed);
  return completed;
}

TEST(Buckets, LayoutCutsTheVectorWithAShorterLastBucket) {
  Buckets b(250, 100);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b.begin(2), 200u);
  EXPECT_EQ(b.length(2), 50u);
  EXPECT_EQ(Buckets(0, 100).size(), 0u);
}

// A low range reported first must not complete the buckets above it (a
// wrapped-around overlap once started them before their gradients existed).
TEST(Buckets, ALowRangeFirstCompletesNothingAboveIt) {
  Buckets b(300, 100);
  EXPECT_EQ(mark(b, 0, 50), std::vector<size_t>{});
  EXPECT_EQ(mark(b, 250, 50), std::vector<size_t>{});
  EXPECT_EQ(mark(b, 200, 50), std::vector<size_t>{2});
  EXPECT_EQ(mark(b, 50, 150), (std::vector<size_t>{0, 1}));
}

TEST(Buckets, RangesBeyondTheVectorAreClipped) {
  Buckets b(250, 100);
  EXPECT_EQ(mark(b, 300, 10), std::vector<size_t>{});
  EXPECT_EQ(mark(b, 240, 1000), std::vector<size_t>{});
  EXPECT_EQ(mark(b, 0, 240), (std::vector<size_t>{0, 1, 2}));
}

// Every order of a partition of the vector completes each bucket exactly
// once, on the report of its last element.
TEST(Buckets, AnyOrderCompletesEachBucketOnceWhenItsLastElementArrives) {
  std::mt19937 rng(3);
  for (int trial = 0; trial < 200; ++trial) {
    const size_t count = 1 + rng() % 997, per = 1 + rng() % 64;
    std::vector<std::pair<size_t, size_t>> ranges;
    for (size_t at = 0; at < count;) {
      size_t n = std::min<size_t>(count - at, 1 + rng() % 90);
      ranges.push_back({at, n});
      at += n;
    }
    std::shuffle(ranges.begin(), ranges.end(), rng);
    Buckets b(count, per);
    std::vector<size_t> seen(count, 0), done(b.size(), 0);
    for (auto [first, n] : ranges) {
      for (size_t e = first; e < first + n; ++e)
        seen[e] = 1;
      for (size_t bucket : mark(b, first, n)) {
        ++done[bucket];
        for (size_t e = b.begin(bucket); e < b.begin(bucket) + b.length(bucket); ++e)
          ASSERT_EQ(seen[e], 1u) << "bucket " << bucket << " completed before element " << e;
      }
    }
    for (size_t bucket = 0; bucket < b.size(); ++bucket)
      EXPECT_EQ(done[bucket], 1u) << "bucket " << bucket << " of " << count << "/" << per;
  }
}

} // namespace

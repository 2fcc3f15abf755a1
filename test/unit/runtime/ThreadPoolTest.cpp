//===- ThreadPoolTest.cpp - a session's threads, without a model --------===//
//
// The pool behind halide_do_par_for, driven the way generated kernels drive
// it: every iteration runs exactly once, nested loops run on the same pool,
// the first error comes back, many tiny loops in a row (the case where a
// worker joins a loop just as it ends) neither hang nor lose an iteration,
// and a pool starts and stops exactly its workers.
//
//===----------------------------------------------------------------------===//
#include "ThreadPool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

using cvc::runtime::ScopedPool;
using cvc::runtime::ThreadPool;

namespace {

/// Iteration i adds one to hits[i - first].
struct Hits {
  int first = 0;
  std::vector<std::atomic<int>> hits;
  Hits(int first, int size) : first(first), hits(size) {}
  bool eachOnce() const {
    for (const auto &h : hits)
      if (h.load() != 1)
        return false;
    return true;
  }
};

int hit(void *, int i, uint8_t *closure) {
  auto *h = reinterpret_cast<Hits *>(closure);
  h->hits[i - h->first].fetch_add(1);
  return 0;
}

size_t processThreads() {
  size_t count = 0;
  for (const auto &entry : std::filesystem::directory_iterator("/proc/self/task")) {
    (void)entry;
    ++count;
  }
  return count;
}

/// Runs `body` on another thread; fails the test (and stops the process,
/// which a hung pool would otherwise keep) unless it ends within a minute.
template <typename Body> void finishesInTime(Body body) {
  auto result = std::async(std::launch::async, body);
  if (result.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
    ADD_FAILURE() << "the pool hung";
    std::_Exit(1);
  }
  result.get();
}

} // namespace

TEST(ThreadPool, EveryIterationRunsOnce) {
  for (int threads : {1, 2, 3, 8}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.threadCount(), threads);
    ScopedPool scoped(pool);
    for (int size : {0, 1, 2, 3, 17, 1000}) {
      Hits h(5, size);
      EXPECT_EQ(halide_do_par_for(nullptr, hit, 5, size, reinterpret_cast<uint8_t *>(&h)), 0);
      EXPECT_TRUE(h.eachOnce()) << threads << " threads, " << size << " iterations";
    }
  }
}

TEST(ThreadPool, ManyTinyLoopsInARowNeitherHangNorLoseIterations) {
  // More threads than cores, so that workers are preempted at every point
  // of joining a loop, and loops of 2 to 4 trivial iterations, so that they
  // often join one its caller has just finished.
  finishesInTime([] {
    ThreadPool pool(8);
    ScopedPool scoped(pool);
    for (int loop = 0; loop < 1000000; ++loop) {
      Hits h(0, 2 + loop % 3);
      ASSERT_EQ(halide_do_par_for(nullptr, hit, 0, static_cast<int>(h.hits.size()),
                                  reinterpret_cast<uint8_t *>(&h)),
                0);
      ASSERT_TRUE(h.eachOnce()) << "loop " << loop;
    }
  });
}

namespace {

/// An outer iteration: checks it runs on the pool, records its thread and
/// runs an inner loop of 8 iterations.
struct Nested {
  ThreadPool *pool;
  std::mutex mutex;
  std::set<std::thread::id> threads;
  Hits inner{0, 4 * 8};
  std::atomic<int> offPool{0};
};

int innerIteration(void *, int i, uint8_t *closure) {
  auto *n = reinterpret_cast<Nested *>(closure);
  if (ThreadPool::current() != n->pool)
    n->offPool.fetch_add(1);
  {
    std::lock_guard<std::mutex> lock(n->mutex);
    n->threads.insert(std::this_thread::get_id());
  }
  n->inner.hits[i].fetch_add(1);
  return 0;
}

int outerIteration(void *, int i, uint8_t *closure) {
  auto *n = reinterpret_cast<Nested *>(closure);
  if (ThreadPool::current() != n->pool)
    n->offPool.fetch_add(1);
  return halide_do_par_for(nullptr, innerIteration, i * 8, 8, closure);
}

int failAtThree(void *, int i, uint8_t *) { return i == 3 ? -7 : 0; }

} // namespace

TEST(ThreadPool, NestedLoopsRunOnTheSamePool) {
  finishesInTime([] {
    for (int round = 0; round < 200; ++round) {
      ThreadPool pool(3);
      ScopedPool scoped(pool);
      Nested n;
      n.pool = &pool;
      ASSERT_EQ(halide_do_par_for(nullptr, outerIteration, 0, 4, reinterpret_cast<uint8_t *>(&n)),
                0);
      EXPECT_TRUE(n.inner.eachOnce());
      EXPECT_EQ(n.offPool.load(), 0) << "an iteration ran outside the session's pool";
      EXPECT_LE(n.threads.size(), 3u);
      EXPECT_LE(pool.takeParticipants(), 3);
    }
  });
}

TEST(ThreadPool, ReturnsTheFirstError) {
  ThreadPool pool(2);
  ScopedPool scoped(pool);
  EXPECT_EQ(halide_do_par_for(nullptr, failAtThree, 0, 100, nullptr), -7);
  EXPECT_EQ(halide_do_par_for(nullptr, failAtThree, 0, 3, nullptr), 0);
}

TEST(ThreadPool, WithoutAPoolALoopRunsOnTheCaller) {
  ASSERT_EQ(ThreadPool::current(), nullptr);
  Nested n;
  n.pool = nullptr;
  EXPECT_EQ(halide_do_par_for(nullptr, innerIteration, 0, 32, reinterpret_cast<uint8_t *>(&n)), 0);
  EXPECT_TRUE(n.inner.eachOnce());
  ASSERT_EQ(n.threads.size(), 1u);
  EXPECT_EQ(*n.threads.begin(), std::this_thread::get_id());
}

TEST(ThreadPool, CountsTheThreadsThatTookPart) {
  ThreadPool single(1);
  ScopedPool scoped(single);
  Hits h(0, 64);
  ASSERT_EQ(halide_do_par_for(nullptr, hit, 0, 64, reinterpret_cast<uint8_t *>(&h)), 0);
  EXPECT_EQ(single.takeParticipants(), 1);
  // Reset by each call; the caller always counts.
  EXPECT_EQ(single.takeParticipants(), 1);
}

TEST(ThreadPool, StartsAndStopsExactlyItsWorkers) {
  size_t before = processThreads();
  {
    ThreadPool pool(4);
    EXPECT_EQ(processThreads(), before + 3);
    ThreadPool clamped(100000);
    EXPECT_EQ(clamped.threadCount(), ThreadPool::kMaxThreads);
  }
  EXPECT_EQ(processThreads(), before);
}

//===- ThreadPool.h - a session's threads for the kernels' parallel loops -*- C++ -*-===//
//
// Each session owns a pool: `threads - 1` workers and the thread that calls
// the session. The kernels reach it through halide_do_par_for, which this
// runtime defines (Halide's own, in the Halide runtime linked into the same
// model.so, is weak): the session marks the calling thread with its pool
// for the duration of its kernels (ScopedPool), and workers are marked with
// theirs, so a parallel loop nested inside another one's iteration runs on
// the same pool. Halide's global pool, whose thread count is one per
// library, is never started: cvc's schedules have no async stages, so their
// kernels reach threads through halide_do_par_for alone (a schedule with
// async would call halide_do_parallel_tasks, which this runtime leaves to
// Halide's pool).
//
//===----------------------------------------------------------------------===//
#ifndef CVC_RUNTIME_THREADPOOL_H
#define CVC_RUNTIME_THREADPOOL_H

#include <HalideRuntime.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace cvc::runtime {

class ThreadPool {
public:
  /// Most threads a pool runs; larger requests are clamped (as Halide's
  /// halide_set_num_threads clamps them).
  static constexpr int kMaxThreads = 256;

  /// A pool of `threads` threads in all (clamped to [1, kMaxThreads]): the
  /// caller of each loop and `threads - 1` workers, started here.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  int threadCount() const { return static_cast<int>(workers.size()) + 1; }

  /// Runs task(userContext, i, closure) for every i in [min, min + size) on
  /// the calling thread and any idle workers; returns 0, or the first
  /// non-zero result, after which no further iteration starts.
  int parallelFor(void *userContext, halide_task_t task, int min, int size, uint8_t *closure);

  /// How many distinct threads ran parallel iterations (or the kernel
  /// itself: the caller always counts) since the last call; for profiles.
  int takeParticipants();

  /// The pool of the calling thread: the one a ScopedPool set, or the pool
  /// a worker belongs to; null elsewhere.
  static ThreadPool *current();

private:
  struct Job;
  void workerLoop(int index);
  /// Claims and runs iterations of `job` until none are left.
  void work(Job &job, int index);
  /// The newest job with iterations left; the mutex is held.
  Job *findJob();
  /// Stops and joins the workers.
  void stop();

  std::vector<std::thread> workers;
  std::mutex mutex;
  std::condition_variable wake; ///< a job was posted, or the pool stops
  std::condition_variable done; ///< a job's last helper left it
  std::vector<Job *> jobs;      ///< posted and not yet finished, oldest first
  /// Bumped (under the mutex) whenever a job is posted or the pool stops;
  /// idle workers spin on it without the mutex.
  std::atomic<uint64_t> generation{0};
  bool stopping = false;
  /// Bit t: thread t (0: the caller) ran work since takeParticipants().
  std::vector<std::atomic<uint64_t>> participants;

  friend class ScopedPool;
};

/// Makes kernels called on this thread run their parallel loops on `pool`
/// while it lives.
class ScopedPool {
public:
  explicit ScopedPool(ThreadPool &pool);
  ~ScopedPool();
  ScopedPool(const ScopedPool &) = delete;
  ScopedPool &operator=(const ScopedPool &) = delete;

private:
  ThreadPool *previousPool;
  int previousIndex;
};

} // namespace cvc::runtime

#endif // CVC_RUNTIME_THREADPOOL_H

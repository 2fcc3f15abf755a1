//===- ThreadPool.cpp - a session's threads for the kernels' parallel loops ===//
//
// A parallel loop is a job: its iterations are claimed in shrinking chunks
// from an atomic counter by the thread that posted it and by whichever
// workers are idle, newest job first, so a loop nested inside another's iteration is
// finished before the outer loop's remaining iterations are taken up. The
// posting thread works on its own job only and then waits for the workers
// still inside it, so no thread ever waits on work queued behind itself.
// A worker out of jobs, and a posting thread waiting for the workers still
// in its job, poll for a while before they sleep: a model's parallel loops
// follow each other within microseconds, and waking a sleeping thread
// costs more than that. ResNet-18 at batch 16 on 2 threads runs some 200
// loops of 2 to 4 iterations per inference (its 512-channel layers split
// their channels in two); when both threads slept at once, the caller
// waited 73 us on average at the end of each 2-iteration loop for a
// worker that had started late (measured on a 2-vCPU virtual machine).
//
//===----------------------------------------------------------------------===//
#include "ThreadPool.h"

#include <algorithm>
#include <chrono>

namespace cvc::runtime {
namespace {

using Clock = std::chrono::steady_clock;

/// How long a thread polls before it sleeps. Polling yields the core now and
/// then, so that a machine with more threads than cores is not starved.
constexpr auto kPollTime = std::chrono::microseconds(200);

/// Polls `ready` for up to kPollTime; true if it became true.
template <typename Ready> bool pollFor(Ready ready) {
  Clock::time_point until = Clock::now() + kPollTime;
  for (unsigned spin = 1;; ++spin) {
    if (ready())
      return true;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
    if (spin % 64 == 0) {
      if (Clock::now() > until)
        return false;
      std::this_thread::yield();
    }
  }
}

thread_local ThreadPool *currentPool = nullptr;
/// The calling thread's index in currentPool: 0 for a session's caller,
/// 1.. for workers.
thread_local int currentIndex = 0;

} // namespace

struct ThreadPool::Job {
  void *userContext;
  halide_task_t task;
  uint8_t *closure;
  int64_t end;
  std::atomic<int64_t> next;
  std::atomic<int> status{0}; ///< the first non-zero result
  /// Workers inside work(*this): changed under the pool's mutex, polled
  /// without it by the posting thread.
  std::atomic<int> helpers{0};
};

ThreadPool::ThreadPool(int threads)
    : participants((std::clamp(threads, 1, kMaxThreads) + 63) / 64) {
  threads = std::clamp(threads, 1, kMaxThreads);
  for (auto &word : participants)
    word.store(0, std::memory_order_relaxed);
  workers.reserve(threads - 1);
  try {
    for (int index = 1; index < threads; ++index)
      workers.emplace_back([this, index] { workerLoop(index); });
  } catch (...) {
    // Stop the workers already started before passing the failure on.
    stop();
    throw;
  }
}

ThreadPool::~ThreadPool() { stop(); }

void ThreadPool::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    stopping = true;
    generation.fetch_add(1, std::memory_order_release);
  }
  wake.notify_all();
  for (std::thread &worker : workers)
    if (worker.joinable())
      worker.join();
  workers.clear();
}

ThreadPool *ThreadPool::current() { return currentPool; }

int ThreadPool::takeParticipants() {
  int count = 0;
  for (auto &word : participants)
    count += __builtin_popcountll(word.exchange(0, std::memory_order_relaxed));
  return std::max(count, 1);
}

ThreadPool::Job *ThreadPool::findJob() {
  for (auto it = jobs.rbegin(); it != jobs.rend(); ++it)
    if ((*it)->next.load(std::memory_order_relaxed) < (*it)->end &&
        (*it)->status.load(std::memory_order_relaxed) == 0)
      return *it;
  return nullptr;
}

void ThreadPool::work(Job &job, int index) {
  bool counted = false;
  // Guided self-scheduling: each claim takes a share of what is left, so a
  // loop of N iterations costs O(threads · log N) claims, not N. A claim
  // moves the counter's cache line between cores, which on a 2-vCPU
  // virtual machine cost more than a small iteration: MobileNetV2's layers
  // of some 300 iterations ran slower on 2 threads than on 1.
  const int64_t spread = 2 * threadCount();
  while (job.status.load(std::memory_order_relaxed) == 0) {
    int64_t first = job.next.load(std::memory_order_relaxed), chunk;
    do {
      if (first >= job.end)
        return;
      chunk = std::max<int64_t>(1, (job.end - first) / spread);
    } while (!job.next.compare_exchange_weak(first, first + chunk, std::memory_order_relaxed));
    if (!counted) {
      participants[index / 64].fetch_or(uint64_t(1) << (index % 64), std::memory_order_relaxed);
      counted = true;
    }
    for (int64_t i = first; i < first + chunk && job.status.load(std::memory_order_relaxed) == 0;
         ++i)
      if (int rc = job.task(job.userContext, static_cast<int>(i), job.closure)) {
        int none = 0;
        job.status.compare_exchange_strong(none, rc);
      }
  }
}

void ThreadPool::workerLoop(int index) {
  currentPool = this;
  currentIndex = index;
  std::unique_lock<std::mutex> lock(mutex);
  while (!stopping) {
    if (Job *job = findJob()) {
      ++job->helpers;
      lock.unlock();
      work(*job, index);
      lock.lock();
      if (--job->helpers == 0)
        done.notify_all();
      continue;
    }
    uint64_t seen = generation.load(std::memory_order_acquire);
    auto posted = [&] { return generation.load(std::memory_order_acquire) != seen; };
    lock.unlock();
    bool woken = pollFor(posted);
    lock.lock();
    if (!woken)
      wake.wait(lock, posted);
  }
}

int ThreadPool::parallelFor(void *userContext, halide_task_t task, int min, int size,
                            uint8_t *closure) {
  if (size <= 0)
    return 0;
  Job job{userContext, task, closure, int64_t(min) + size, {min}};
  if (size == 1 || workers.empty()) {
    work(job, currentIndex);
    return job.status.load(std::memory_order_relaxed);
  }
  {
    std::lock_guard<std::mutex> lock(mutex);
    jobs.push_back(&job);
    generation.fetch_add(1, std::memory_order_release);
  }
  wake.notify_all();
  work(job, currentIndex);
  // Polling only saves a sleep: a worker that found the job before its last
  // iteration was claimed may not have counted itself in yet, so the count
  // is trusted only under the mutex, which that worker holds until it has.
  auto finished = [&] { return job.helpers.load(std::memory_order_acquire) == 0; };
  (void)pollFor(finished);
  std::unique_lock<std::mutex> lock(mutex);
  done.wait(lock, finished);
  jobs.erase(std::find(jobs.begin(), jobs.end(), &job));
  return job.status.load(std::memory_order_relaxed);
}

ScopedPool::ScopedPool(ThreadPool &pool) : previousPool(currentPool), previousIndex(currentIndex) {
  currentPool = &pool;
  currentIndex = 0;
}

ScopedPool::~ScopedPool() {
  currentPool = previousPool;
  currentIndex = previousIndex;
}

} // namespace cvc::runtime

/// Every parallel loop of the kernels comes here (Halide's definition in the
/// Halide runtime is weak). Outside a session's run there is no pool, and
/// the loop runs on the calling thread.
extern "C" int halide_do_par_for(void *userContext, halide_task_t task, int min, int size,
                                 uint8_t *closure) {
  if (cvc::runtime::ThreadPool *pool = cvc::runtime::ThreadPool::current())
    return pool->parallelFor(userContext, task, min, size, closure);
  for (int i = min; i < min + size; ++i)
    if (int rc = task(userContext, i, closure))
      return rc;
  return 0;
}

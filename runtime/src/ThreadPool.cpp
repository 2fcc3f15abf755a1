//===- ThreadPool.cpp - a session's threads for the kernels' parallel loops ===//
//
// A parallel loop is a job: its iterations are claimed one at a time from an
// atomic counter by the thread that posted it and by whichever workers are
// idle, newest job first, so a loop nested inside another's iteration is
// finished before the outer loop's remaining iterations are taken up. The
// posting thread works on its own job only and then waits for the workers
// still inside it, so no thread ever waits on work queued behind itself.
// Workers that run out of jobs yield for a short while before they sleep:
// a model's kernels follow each other within microseconds, and waking a
// sleeping thread costs more than that (Halide's pool does the same).
//
//===----------------------------------------------------------------------===//
#include "ThreadPool.h"

#include <algorithm>

namespace cvc::runtime {
namespace {

/// Yields an idle worker makes before it sleeps.
constexpr int kSpins = 40;

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
  int helpers = 0;            ///< workers inside work(*this); guarded by the pool's mutex
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
  while (job.status.load(std::memory_order_relaxed) == 0) {
    int64_t i = job.next.fetch_add(1, std::memory_order_relaxed);
    if (i >= job.end)
      break;
    if (!counted) {
      participants[index / 64].fetch_or(uint64_t(1) << (index % 64), std::memory_order_relaxed);
      counted = true;
    }
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
    lock.unlock();
    for (int spin = 0; spin < kSpins && generation.load(std::memory_order_acquire) == seen; ++spin)
      std::this_thread::yield();
    lock.lock();
    wake.wait(lock, [&] { return generation.load(std::memory_order_acquire) != seen; });
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
  std::unique_lock<std::mutex> lock(mutex);
  done.wait(lock, [&] { return job.helpers == 0; });
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

//===- Loader.h - batches from worker threads, in a fixed order --*- C++ -*-===//
//
// Batch b of epoch e holds the samples order_e[b*B .. b*B+B), where order_e
// is a permutation drawn from (seed, e) alone, and each sample's augmentation
// draws from (seed, e, sample index). Workers claim batch numbers in order,
// at most queue_depth ahead of the consumer, build a batch in private memory
// and hand it over in the slot b % queue_depth; the consumer takes batches in
// number order. So the contents and the order of batches depend neither on
// the thread count nor on timing, and starting at (e, b) reproduces an
// uninterrupted run from there.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_DATA_LOADER_H
#define CVC_DATA_LOADER_H

#include "Augment.h"
#include "Dataset.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace cvc::data {

class Loader {
public:
  /// `pipeline` may be null; `outShape` is its output for the data set's images.
  Loader(std::shared_ptr<const Dataset> dataset, std::shared_ptr<const Pipeline> pipeline,
         const cvc_loader_options &options, Shape outShape);
  ~Loader();

  size_t batchCount() const { return batches; }
  Shape imageShape() const { return outShape; }
  /// Only the consumer thread calls startEpoch and next.
  void startEpoch(uint64_t epoch, size_t firstBatch);
  /// Copies the next batch out; returns its image count, 0 at the epoch's end.
  size_t next(float *images, int32_t *labels);
  double waitSeconds() const { return waited; }
  double produceSeconds() const { return produced.load() * 1e-9; }

private:
  struct Batch {
    std::vector<float> images;
    std::vector<int32_t> labels;
    size_t count = 0;
  };
  struct Slot {
    Batch batch;
    size_t number = SIZE_MAX; ///< the batch it holds, once ready
    uint64_t generation = 0;
  };

  void produce(const std::vector<uint32_t> &order, uint64_t epoch, size_t number, Batch &out,
               std::vector<float> &work) const;
  void work();
  std::vector<uint32_t> orderOf(uint64_t epoch) const;

  std::shared_ptr<const Dataset> dataset;
  std::shared_ptr<const Pipeline> pipeline;
  cvc_loader_options options;
  Shape outShape;
  size_t batches;

  std::mutex mutex;
  std::condition_variable workAvailable, batchReady;
  /// Bumped by startEpoch; work of an older generation is thrown away.
  uint64_t generation = 0;
  uint64_t epoch = 0;
  std::shared_ptr<const std::vector<uint32_t>> order;
  size_t nextToClaim = 0, nextToConsume = 0;
  std::vector<Slot> slots;
  bool stopping = false;
  std::vector<std::thread> workers;
  std::vector<float> consumerWork; ///< scratch when producing in the caller's thread

  double waited = 0;
  mutable std::atomic<int64_t> produced{0}; ///< nanoseconds, added by const produce()
};

} // namespace cvc::data

struct cvc_loader_s {
  std::unique_ptr<cvc::data::Loader> loader;
};

#endif // CVC_DATA_LOADER_H

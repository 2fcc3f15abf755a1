//===- Loader.cpp - batches from worker threads, in a fixed order -------===//
#include "Loader.h"

#include <chrono>
#include <cstring>
#include <numeric>

namespace cvc::data {

using Clock = std::chrono::steady_clock;

Loader::Loader(std::shared_ptr<const Dataset> datasetIn, std::shared_ptr<const Pipeline> pipelineIn,
               const cvc_loader_options &optionsIn, Shape outShapeIn)
    : dataset(std::move(datasetIn)), pipeline(std::move(pipelineIn)), options(optionsIn),
      outShape(outShapeIn) {
  size_t n = dataset->count(), b = size_t(options.batch_size) * size_t(options.shard_count);
  batches = options.drop_last ? n / b : (n + b - 1) / b;
  slots.resize(size_t(std::max(1, options.queue_depth)));
  order = std::make_shared<const std::vector<uint32_t>>(orderOf(0));
  for (int i = 0; i < options.threads; ++i)
    workers.emplace_back([this] { work(); });
}

Loader::~Loader() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    stopping = true;
  }
  workAvailable.notify_all();
  for (std::thread &t : workers)
    t.join();
}

std::vector<uint32_t> Loader::orderOf(uint64_t epochNumber) const {
  std::vector<uint32_t> o(dataset->count());
  std::iota(o.begin(), o.end(), 0u);
  if (options.shuffle) { // Fisher-Yates from a generator keyed by (seed, epoch) only
    Random random(options.seed, epochNumber, 0x5348554646ull /* "SHUFF" */);
    for (size_t i = o.size(); i > 1; --i)
      std::swap(o[i - 1], o[random.below(i)]);
  }
  return o;
}

void Loader::startEpoch(uint64_t epochNumber, size_t firstBatch) {
  auto newOrder = std::make_shared<const std::vector<uint32_t>>(orderOf(epochNumber));
  {
    std::lock_guard<std::mutex> lock(mutex);
    ++generation;
    epoch = epochNumber;
    order = std::move(newOrder);
    nextToClaim = nextToConsume = std::min(firstBatch, batches);
    for (Slot &s : slots)
      s.number = SIZE_MAX;
  }
  workAvailable.notify_all();
}

void Loader::produce(const std::vector<uint32_t> &o, uint64_t epochNumber, size_t number,
                     Batch &out, std::vector<float> &work) const {
  auto start = Clock::now();
  size_t batchSize = size_t(options.batch_size);
  size_t first = (number * size_t(options.shard_count) + size_t(options.shard_index)) * batchSize;
  out.count = std::min(batchSize, o.size() - first);
  size_t inSize = dataset->imageSize(), size = outShape.size();
  out.images.resize(out.count * size);
  out.labels.resize(out.count);
  std::vector<float> image(inSize);
  Shape inShape{dataset->channels(), dataset->height(), dataset->width()};
  size_t plane = size_t(outShape.height) * outShape.width;
  for (size_t i = 0; i < out.count; ++i) {
    uint32_t sample = o[first + i];
    float *dst = out.images.data() + i * size;
    if (pipeline) {
      dataset->readImage(sample, image.data());
      pipeline->apply(options.seed, epochNumber, sample, image.data(), inShape, dst, work);
    } else {
      dataset->readImage(sample, dst);
    }
    for (int c = 0; c < outShape.channels; ++c) {
      int k = std::min(c, 2);
      float mean = options.mean[k], inverseStd = 1.0f / options.std[k];
      if (mean == 0.0f && inverseStd == 1.0f)
        continue;
      float *p = dst + c * plane;
      for (size_t j = 0; j < plane; ++j)
        p[j] = (p[j] - mean) * inverseStd;
    }
    out.labels[i] = dataset->label(sample);
  }
  produced += std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
}

void Loader::work() {
  std::vector<float> scratch;
  Batch batch;
  std::unique_lock<std::mutex> lock(mutex);
  for (;;) {
    workAvailable.wait(lock, [&] {
      return stopping || (nextToClaim < batches && nextToClaim < nextToConsume + slots.size());
    });
    if (stopping)
      return;
    size_t number = nextToClaim++;
    uint64_t claimedGeneration = generation, claimedEpoch = epoch;
    std::shared_ptr<const std::vector<uint32_t>> claimedOrder = order;
    lock.unlock();
    produce(*claimedOrder, claimedEpoch, number, batch, scratch);
    lock.lock();
    if (claimedGeneration != generation)
      continue; // startEpoch moved on while this batch was built
    Slot &slot = slots[number % slots.size()];
    std::swap(slot.batch, batch);
    slot.number = number;
    slot.generation = claimedGeneration;
    batchReady.notify_all();
  }
}

size_t Loader::next(float *images, int32_t *labels) {
  auto start = Clock::now();
  size_t number;
  std::shared_ptr<const std::vector<uint32_t>> currentOrder;
  uint64_t currentEpoch;
  {
    std::lock_guard<std::mutex> lock(mutex);
    number = nextToConsume;
    currentOrder = order;
    currentEpoch = epoch;
  }
  if (number >= batches)
    return 0;

  size_t count;
  if (workers.empty()) {
    // No workers: the consumer builds its batch and waits for all of it.
    Batch batch;
    produce(*currentOrder, currentEpoch, number, batch, consumerWork);
    waited += std::chrono::duration<double>(Clock::now() - start).count();
    count = batch.count;
    std::memcpy(images, batch.images.data(), batch.images.size() * sizeof(float));
    std::memcpy(labels, batch.labels.data(), count * sizeof(int32_t));
  } else {
    std::unique_lock<std::mutex> lock(mutex);
    Slot &slot = slots[number % slots.size()];
    batchReady.wait(lock, [&] { return slot.number == number && slot.generation == generation; });
    waited += std::chrono::duration<double>(Clock::now() - start).count();
    lock.unlock();
    // The slot stays ours until nextToConsume moves past it: no worker may
    // claim batch number + depth before that.
    count = slot.batch.count;
    std::memcpy(images, slot.batch.images.data(), slot.batch.images.size() * sizeof(float));
    std::memcpy(labels, slot.batch.labels.data(), count * sizeof(int32_t));
  }
  {
    std::lock_guard<std::mutex> lock(mutex);
    ++nextToConsume;
  }
  workAvailable.notify_all();
  return count;
}

} // namespace cvc::data

//===- LoaderTest.cpp - the batch loader's order and completeness -------===//
//
// The loader promises that batches depend only on (seed, epoch, batch):
// the same for 0, 1 and 4 producer threads, the same after resuming at
// (epoch, batch), and every sample exactly once per epoch even with many
// threads racing ahead of a slow consumer.
//
//===----------------------------------------------------------------------===//
#include "DataTestUtil.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

using namespace cvc::test;

namespace {

/// The first `perClass` Fashion-MNIST training images of each class.
std::shared_ptr<cvc_dataset> fashionSubset(size_t perClass) {
  cvc_dataset *all = nullptr, *subset = nullptr;
  EXPECT_EQ(take(cvc_dataset_open(kFashionTrain, &all)), "");
  EXPECT_EQ(take(cvc_dataset_subset(all, nullptr, 0, perClass, &subset)), "");
  cvc_dataset_free(all);
  return std::shared_ptr<cvc_dataset>(subset, cvc_dataset_free);
}

struct Batch {
  std::vector<float> images;
  std::vector<int32_t> labels;
  bool operator==(const Batch &o) const { return images == o.images && labels == o.labels; }
};

class Loader {
public:
  Loader(const cvc_dataset *ds, cvc_loader_options o) {
    EXPECT_EQ(take(cvc_loader_create(ds, &o, &loader)), "");
    int32_t shape[3];
    cvc_loader_image_shape(loader, shape);
    imageSize = size_t(shape[0]) * shape[1] * shape[2];
    batchSize = size_t(o.batch_size);
  }
  ~Loader() { cvc_loader_free(loader); }

  /// The rest of the current epoch.
  std::vector<Batch> drain(std::chrono::microseconds consumerDelay = {}) {
    std::vector<Batch> out;
    for (;;) {
      Batch b{std::vector<float>(batchSize * imageSize), std::vector<int32_t>(batchSize)};
      size_t count = 0;
      EXPECT_EQ(take(cvc_loader_next(loader, b.images.data(), b.labels.data(), &count)), "");
      if (!count)
        return out;
      b.images.resize(count * imageSize);
      b.labels.resize(count);
      out.push_back(std::move(b));
      std::this_thread::sleep_for(consumerDelay);
    }
  }

  cvc_loader *loader = nullptr;
  size_t imageSize = 0, batchSize = 0;
};

cvc_loader_options options(int threads, const cvc_augment_pipeline *augment = nullptr) {
  cvc_loader_options o;
  cvc_loader_options_init(&o);
  o.batch_size = 48;
  o.seed = 7;
  o.threads = threads;
  o.augment = augment;
  return o;
}

} // namespace

TEST(Loader, SameBatchesForAnyThreadCount) {
  auto ds = fashionSubset(30); // 300 images: 6 full batches and one of 12
  cvc_augment_pipeline *augment = nullptr;
  ASSERT_EQ(take(cvc_augment_pipeline_create(
                "mirror,crop:size=24,pad=2,rotate:deg=10,elastic:alpha=8,sigma=3,brightness:delta=0.2",
                &augment)),
            "");
  std::vector<std::vector<Batch>> runs;
  for (int threads : {0, 1, 4}) {
    Loader l(ds.get(), options(threads, augment));
    EXPECT_EQ(cvc_loader_batch_count(l.loader), 7u);
    std::vector<Batch> epochs = l.drain();
    ASSERT_EQ(take(cvc_loader_start_epoch(l.loader, 1, 0)), "");
    std::vector<Batch> second = l.drain();
    epochs.insert(epochs.end(), second.begin(), second.end());
    runs.push_back(std::move(epochs));
  }
  cvc_augment_pipeline_free(augment);
  ASSERT_EQ(runs[0].size(), 14u);
  EXPECT_EQ(runs[0].back().labels.size(), 12u);
  EXPECT_EQ(runs[0].front().images.size(), 48u * 24 * 24);
  EXPECT_TRUE(runs[0] == runs[1]);
  EXPECT_TRUE(runs[0] == runs[2]);
  EXPECT_FALSE(runs[0][0] == runs[0][7]); // epoch 1 is shuffled differently
}

TEST(Loader, ShardsSplitTheBatchesOfOneLoaderWithTheirSummedBatch) {
  // Data-parallel ranks: shard r's batch k is the r-th part of batch k of a
  // loader whose batch is all the shards' together, augmentation included.
  auto ds = fashionSubset(30); // 300 images: 3 full batches of 2 x 48
  cvc_augment_pipeline *augment = nullptr;
  ASSERT_EQ(take(cvc_augment_pipeline_create("mirror,crop:size=24,pad=2", &augment)), "");
  cvc_loader_options whole = options(2, augment);
  whole.batch_size = 96;
  whole.drop_last = 1;
  Loader one(ds.get(), whole);
  ASSERT_EQ(take(cvc_loader_start_epoch(one.loader, 1, 0)), "");
  std::vector<Batch> reference = one.drain();
  ASSERT_EQ(reference.size(), 3u);
  for (int shard = 0; shard < 2; ++shard) {
    cvc_loader_options o = options(shard + 1, augment);
    o.drop_last = 1;
    o.shard_count = 2;
    o.shard_index = shard;
    Loader part(ds.get(), o);
    EXPECT_EQ(cvc_loader_batch_count(part.loader), 3u);
    ASSERT_EQ(take(cvc_loader_start_epoch(part.loader, 1, 1)), ""); // resumed at batch 1
    std::vector<Batch> got = part.drain();
    ASSERT_EQ(got.size(), 2u);
    for (size_t k = 0; k < got.size(); ++k) {
      const Batch &ref = reference[k + 1];
      size_t imageSize = ref.images.size() / 96;
      Batch expected{std::vector<float>(ref.images.begin() + shard * 48 * imageSize,
                                        ref.images.begin() + (shard + 1) * 48 * imageSize),
                     std::vector<int32_t>(ref.labels.begin() + shard * 48,
                                          ref.labels.begin() + (shard + 1) * 48)};
      EXPECT_TRUE(got[k] == expected) << "shard " << shard << ", batch " << k + 1;
    }
  }
  cvc_loader_options bad = options(0);
  bad.shard_count = 2;
  bad.shard_index = 1;
  cvc_loader *loader = nullptr;
  EXPECT_NE(take(cvc_loader_create(ds.get(), &bad, &loader)).find("needs drop_last"),
            std::string::npos);
  bad.drop_last = 1;
  bad.shard_index = 2;
  EXPECT_NE(take(cvc_loader_create(ds.get(), &bad, &loader)).find("shard_index"),
            std::string::npos);
  cvc_augment_pipeline_free(augment);
}

TEST(Loader, ResumeAtEpochAndBatchEqualsAnUninterruptedRun) {
  auto ds = fashionSubset(30);
  cvc_augment_pipeline *augment = nullptr;
  ASSERT_EQ(take(cvc_augment_pipeline_create("mirror,rotate:deg=15", &augment)), "");
  Loader uninterrupted(ds.get(), options(3, augment));
  std::vector<Batch> epoch0 = uninterrupted.drain();
  ASSERT_EQ(take(cvc_loader_start_epoch(uninterrupted.loader, 1, 0)), "");
  std::vector<Batch> epoch1 = uninterrupted.drain();

  // A new loader (a restarted process) resuming at epoch 1, batch 4.
  Loader resumed(ds.get(), options(2, augment));
  ASSERT_EQ(take(cvc_loader_start_epoch(resumed.loader, 1, 4)), "");
  std::vector<Batch> tail = resumed.drain();
  ASSERT_EQ(tail.size(), epoch1.size() - 4);
  for (size_t i = 0; i < tail.size(); ++i)
    EXPECT_TRUE(tail[i] == epoch1[4 + i]) << "batch " << 4 + i;
  // Restarting mid-epoch, with batches in flight, drops them cleanly.
  Loader restarted(ds.get(), options(4, augment));
  Batch scratch{std::vector<float>(48 * 784), std::vector<int32_t>(48)};
  size_t count;
  ASSERT_EQ(take(cvc_loader_next(restarted.loader, scratch.images.data(), scratch.labels.data(), &count)), "");
  ASSERT_EQ(take(cvc_loader_start_epoch(restarted.loader, 0, 0)), "");
  EXPECT_TRUE(restarted.drain() == epoch0);
  cvc_augment_pipeline_free(augment);
  EXPECT_NE(take(cvc_loader_start_epoch(resumed.loader, 0, 8)).find("past the epoch"), std::string::npos);
}

TEST(Loader, ManyThreadsSlowConsumerEverySampleOnce) {
  auto ds = fashionSubset(50); // 500 images
  // Labels alone do not identify a sample, so tag each by its pixels' sum.
  size_t n = cvc_dataset_count(ds.get());
  std::vector<float> all(n * 784);
  ASSERT_EQ(take(cvc_dataset_read(ds.get(), 0, n, all.data(), nullptr)), "");
  auto signature = [](const float *image) {
    double s = 0, w = 0;
    for (int i = 0; i < 784; ++i)
      s += image[i] * (1 + (w += 1e-3));
    return s;
  };
  std::vector<double> expected;
  for (size_t i = 0; i < n; ++i)
    expected.push_back(signature(all.data() + i * 784));
  std::sort(expected.begin(), expected.end());

  cvc_loader_options o = options(16);
  o.batch_size = 7;
  o.queue_depth = 3;
  Loader l(ds.get(), o);
  for (uint64_t epoch = 0; epoch < 2; ++epoch) {
    ASSERT_EQ(take(cvc_loader_start_epoch(l.loader, epoch, 0)), "");
    std::vector<double> seen;
    for (const Batch &b : l.drain(std::chrono::microseconds(300)))
      for (size_t i = 0; i < b.labels.size(); ++i)
        seen.push_back(signature(b.images.data() + i * 784));
    std::sort(seen.begin(), seen.end());
    EXPECT_EQ(seen, expected) << "epoch " << epoch;
  }
  EXPECT_GE(cvc_loader_wait_seconds(l.loader), 0.0);
  EXPECT_GT(cvc_loader_produce_seconds(l.loader), 0.0);
}

TEST(Loader, DropLastAndNormalisation) {
  auto ds = fashionSubset(5); // 50 images
  cvc_loader_options o = options(2);
  o.batch_size = 16;
  o.shuffle = 0;
  o.drop_last = 1;
  o.mean[0] = 0.5f;
  o.std[0] = 0.25f;
  Loader l(ds.get(), o);
  EXPECT_EQ(cvc_loader_batch_count(l.loader), 3u);
  std::vector<Batch> batches = l.drain();
  ASSERT_EQ(batches.size(), 3u);
  std::vector<float> first(784);
  ASSERT_EQ(take(cvc_dataset_read(ds.get(), 0, 1, first.data(), nullptr)), "");
  for (int i = 0; i < 784; ++i)
    ASSERT_NEAR(batches[0].images[i], (first[i] - 0.5f) / 0.25f, 1e-6f);

  o.drop_last = 0;
  Loader keep(ds.get(), o);
  EXPECT_EQ(cvc_loader_batch_count(keep.loader), 4u);
  EXPECT_EQ(keep.drain().back().labels.size(), 2u);

  o.batch_size = 0;
  cvc_loader *bad = nullptr;
  EXPECT_NE(take(cvc_loader_create(ds.get(), &o, &bad)).find("batch_size"), std::string::npos);
}

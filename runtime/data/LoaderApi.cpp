//===- LoaderApi.cpp - the C API of the batch loader --------------------===//
#include "Loader.h"
#include "Readers.h"

using namespace cvc::data;

extern "C" {

void cvc_loader_options_init(cvc_loader_options *o) {
  *o = cvc_loader_options{};
  o->batch_size = 32;
  o->shuffle = 1;
  o->threads = 2;
  o->queue_depth = 4;
  o->shard_count = 1;
  for (int c = 0; c < 3; ++c)
    o->std[c] = 1.0f;
}

cvc_status cvc_loader_create(const cvc_dataset *dataset, const cvc_loader_options *options,
                             cvc_loader **out_loader) {
  if (!dataset || !out_loader)
    return invalid("cvc_loader_create: null argument");
  cvc_loader_options o;
  cvc_loader_options_init(&o);
  if (options)
    o = *options;
  if (o.batch_size < 1 || o.threads < 0 || o.threads > 1024 || o.queue_depth < 1)
    return invalid("cvc_loader_create: batch_size and queue_depth must be >= 1 and threads in "
                   "0..1024 (batch_size " + std::to_string(o.batch_size) + ", threads " +
                   std::to_string(o.threads) + ", queue_depth " + std::to_string(o.queue_depth) + ")");
  for (float s : o.std)
    if (!(s > 0.0f))
      return invalid("cvc_loader_create: every std must be positive");
  if (o.shard_count < 1 || o.shard_index < 0 || o.shard_index >= o.shard_count)
    return invalid("cvc_loader_create: shard_index must be in 0..shard_count-1 (shard " +
                   std::to_string(o.shard_index) + " of " + std::to_string(o.shard_count) + ")");
  if (o.shard_count > 1 && !o.drop_last)
    return invalid("cvc_loader_create: sharding needs drop_last (every shard's batches are full)");

  std::shared_ptr<const Dataset> d = dataset->dataset;
  if (d->count() == 0)
    return invalid("cvc_loader_create: the data set is empty");
  std::shared_ptr<const Pipeline> pipeline;
  if (o.augment) {
    pipeline = o.augment->pipeline;
    if (pipeline->needsPrincipalComponents()) {
      float values[3], vectors[9];
      if (!rgbPrincipalComponents(*d, values, vectors))
        return invalid("augmentation: pca needs 3-channel images, the data set has " +
                       std::to_string(d->channels()));
      pipeline = pipeline->withPrincipalComponents(values, vectors);
    }
  }
  Shape shape{d->channels(), d->height(), d->width()};
  if (pipeline) {
    std::string error;
    shape = pipeline->outputShape(shape, error);
    if (!error.empty())
      return invalid("augmentation: " + error);
  }
  *out_loader = new cvc_loader_s{std::make_unique<Loader>(d, pipeline, o, shape)};
  return nullptr;
}

void cvc_loader_free(cvc_loader *loader) { delete loader; }

size_t cvc_loader_batch_count(const cvc_loader *loader) {
  return loader ? loader->loader->batchCount() : 0;
}

void cvc_loader_image_shape(const cvc_loader *loader, int32_t out_shape[3]) {
  Shape s = loader ? loader->loader->imageShape() : Shape{};
  out_shape[0] = s.channels;
  out_shape[1] = s.height;
  out_shape[2] = s.width;
}

cvc_status cvc_loader_start_epoch(cvc_loader *loader, uint64_t epoch, size_t first_batch) {
  if (!loader)
    return invalid("cvc_loader_start_epoch: null loader");
  if (first_batch > loader->loader->batchCount())
    return invalid("cvc_loader_start_epoch: batch " + std::to_string(first_batch) +
                   " is past the epoch's " + std::to_string(loader->loader->batchCount()));
  loader->loader->startEpoch(epoch, first_batch);
  return nullptr;
}

cvc_status cvc_loader_next(cvc_loader *loader, float *images, int32_t *labels, size_t *out_count) {
  if (!loader || !images || !labels || !out_count)
    return invalid("cvc_loader_next: null argument");
  try {
    *out_count = loader->loader->next(images, labels);
  } catch (const std::bad_alloc &) {
    return cvc::runtime::makeStatus(CVC_OUT_OF_MEMORY, "cvc_loader_next: out of memory");
  }
  return nullptr;
}

double cvc_loader_wait_seconds(const cvc_loader *loader) {
  return loader ? loader->loader->waitSeconds() : 0.0;
}

double cvc_loader_produce_seconds(const cvc_loader *loader) {
  return loader ? loader->loader->produceSeconds() : 0.0;
}

} // extern "C"

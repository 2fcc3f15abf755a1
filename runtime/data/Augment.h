//===- Augment.h - augmentation operations and pipelines ---------*- C++ -*-===//
//
// An operation draws its random parameters from the sample's generator and
// then runs one kernel of Kernels.h on the whole image: one virtual call per
// image, none per pixel. A pipeline is an immutable list of operations.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_DATA_AUGMENT_H
#define CVC_DATA_AUGMENT_H

#include "Random.h"

#include "cvc/data.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace cvc::data {

struct Shape {
  int channels = 0, height = 0, width = 0;
  size_t size() const { return size_t(channels) * height * width; }
};

class Operation {
public:
  virtual ~Operation() = default;
  /// The output shape for `in`, or an error message for an unsuitable input.
  virtual Shape outputShape(Shape in, std::string &error) const {
    (void)error;
    return in;
  }
  /// Transforms `src` into `dst` (sized for outputShape); false when the
  /// operation chose to leave the image as it is and wrote nothing.
  virtual bool apply(const float *src, Shape in, float *dst, Random &random) const = 0;
  /// Operations that need the data set's colour statistics accept them here.
  virtual std::unique_ptr<Operation> withPrincipalComponents(const float *, const float *) const {
    return nullptr;
  }
  virtual bool needsPrincipalComponents() const { return false; }
};

/// Parameters of one operation in a spec, KEY=VALUE.
using Params = std::map<std::string, float>;

/// The operation called `name` with `params`, or null and a message.
std::unique_ptr<Operation> makeOperation(const std::string &name, Params params,
                                         std::string &error);

class Pipeline {
public:
  /// Parses a spec (see cvc_augment_pipeline_create); false and a message on error.
  bool parse(const std::string &spec, std::string &error);

  Shape outputShape(Shape in, std::string &error) const;
  /// Runs every operation on one image of sample `index`; `work` is reused scratch.
  void apply(uint64_t seed, uint64_t epoch, uint64_t index, const float *src, Shape in,
             float *dst, std::vector<float> &work) const;

  bool needsPrincipalComponents() const;
  /// A copy whose pca operations use these statistics.
  std::shared_ptr<Pipeline> withPrincipalComponents(const float eigenvalues[3],
                                                    const float eigenvectors[9]) const;

private:
  std::vector<std::shared_ptr<const Operation>> operations;
};

} // namespace cvc::data

struct cvc_augment_pipeline_s {
  std::shared_ptr<const cvc::data::Pipeline> pipeline;
};

#endif // CVC_DATA_AUGMENT_H

//===- Weights.h - where a .cvm model's weights come from -------*- C++ -*-===//
#ifndef CVC_DSL_WEIGHTS_H
#define CVC_DSL_WEIGHTS_H

#include "cvc/dsl/Import.h"
#include "cvc/tensorio/NamedTensors.h"

#include "mlir/Support/LogicalResult.h"

#include <memory>
#include <string>
#include <vector>

namespace cvc::dsl {

/// The value a tensor starts from when no file provides it.
enum class TensorInit {
  Random, ///< the model's He or Xavier normal, from fan-in and fan-out
  Zeros,  ///< biases, batch-norm shifts and means
  Ones,   ///< batch-norm scales and variances
};

/// What a layer asks for: `<layer>.<suffix>` of a shape.
struct TensorRequest {
  std::string name;
  std::vector<int64_t> shape;
  TensorInit init = TensorInit::Random;
  int64_t fanIn = 1, fanOut = 1;
};

/// Initialises weights (deterministically from the seed and the tensor's
/// name, so a layer's weights do not depend on the layers before it) or
/// loads them by name from an ONNX file or a cvc checkpoint.
class WeightSource {
public:
  WeightSource(WeightInit init, uint64_t seed, std::unique_ptr<tensorio::NamedTensors> file,
               std::string filePath, int64_t maxElements)
      : init(init), seed(seed), file(std::move(file)), filePath(std::move(filePath)),
        maxElements(maxElements) {}

  /// The tensor's values; on failure `error` names the tensor and why (a
  /// missing tensor, or both shapes when they differ).
  mlir::LogicalResult get(const TensorRequest &request, std::vector<float> &values,
                          std::string &error);

  /// Initialisers of the file that no layer asked for.
  std::vector<std::string> unused() const;

private:
  WeightInit init;
  uint64_t seed;
  std::unique_ptr<tensorio::NamedTensors> file;
  std::string filePath;
  int64_t maxElements;
  std::vector<std::string> used;
};

} // namespace cvc::dsl

#endif // CVC_DSL_WEIGHTS_H

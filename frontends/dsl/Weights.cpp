//===- Weights.cpp - where a .cvm model's weights come from -------------===//
//
// Random weights use a counter-based generator keyed by the seed and the
// tensor's name (splitmix64 feeding Box-Muller), written out here rather than
// taken from <random>, whose distributions differ between standard
// libraries: the same seed gives the same model everywhere.
//
//===----------------------------------------------------------------------===//
#include "Weights.h"
#include "cvc/tensorio/Tensor.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace cvc::dsl {
namespace {

uint64_t splitmix64(uint64_t &state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t fnv1a(const std::string &text) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : text)
    h = (h ^ c) * 0x100000001b3ull;
  return h;
}

/// Uniform in (0, 1]: never 0, so the logarithm below is finite.
double uniform(uint64_t &state) {
  return (static_cast<double>(splitmix64(state) >> 11) + 1.0) * (1.0 / 9007199254740992.0);
}

std::string shapeText(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

} // namespace

mlir::LogicalResult WeightSource::get(const TensorRequest &request, std::vector<float> &values,
                                      std::string &error) {
  std::optional<int64_t> checked = tensorio::elementCount(request.shape, maxElements);
  if (!checked) {
    error = "weight '" + request.name + "' " + shapeText(request.shape) +
            " is more than the limit of " + std::to_string(maxElements) +
            " elements (--max-elements)";
    return mlir::failure();
  }
  const int64_t count = *checked;
  if (file) {
    if (!file->contains(request.name)) {
      error = "weight '" + request.name + "' " + shapeText(request.shape) + " is missing from '" +
              filePath + "'";
      return mlir::failure();
    }
    std::vector<int64_t> found = file->shape(request.name);
    if (found != request.shape) {
      error = "weight '" + request.name + "' in '" + filePath + "' has shape " +
              shapeText(found) + ", but the layer needs " + shapeText(request.shape);
      return mlir::failure();
    }
    used.push_back(request.name);
    tensorio::Tensor tensor;
    if (!file->read(request.name, tensor, error)) {
      error = "'" + filePath + "': " + error;
      return mlir::failure();
    }
    values = std::move(tensor.data);
    return mlir::success();
  }
  if (request.init != TensorInit::Random) {
    values.assign(count, request.init == TensorInit::Ones ? 1.0f : 0.0f);
    return mlir::success();
  }
  double variance = init == WeightInit::Xavier
                        ? 2.0 / static_cast<double>(request.fanIn + request.fanOut)
                        : 2.0 / static_cast<double>(request.fanIn);
  double stddev = std::sqrt(variance);
  uint64_t state = seed ^ fnv1a(request.name);
  values.resize(count);
  for (int64_t i = 0; i < count; i += 2) {
    double radius = std::sqrt(-2.0 * std::log(uniform(state)));
    double angle = 2.0 * M_PI * uniform(state);
    values[i] = static_cast<float>(stddev * radius * std::cos(angle));
    if (i + 1 < count)
      values[i + 1] = static_cast<float>(stddev * radius * std::sin(angle));
  }
  return mlir::success();
}

std::vector<std::string> WeightSource::unused() const {
  if (!file)
    return {};
  std::set<std::string> taken(used.begin(), used.end());
  std::vector<std::string> rest;
  for (const std::string &name : file->names())
    if (!taken.count(name))
      rest.push_back(name);
  return rest;
}

} // namespace cvc::dsl

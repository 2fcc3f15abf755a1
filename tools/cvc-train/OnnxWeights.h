//===- OnnxWeights.h - trained weights written back into an ONNX model -*- C++ -*-===//
#ifndef CVC_TRAIN_ONNXWEIGHTS_H
#define CVC_TRAIN_ONNXWEIGHTS_H

#include "cvc/tensorio/Tensor.h"

#include <map>
#include <string>

namespace cvc::train {

/// Copies `source` (the ONNX model the network was compiled from) to
/// `destination` with each initialiser named in `tensors` replaced by the
/// trained values. Every trained tensor must match an initialiser of the
/// same shape, except a head replaced with `cvc --replace-head K` (the
/// graph's final Gemm, before an optional softmax), whose weight and bias
/// may change their class count; the first output then follows it. The
/// result is checked with the ONNX checker (and, for a new head, strict
/// shape inference) and written atomically. Returns the number of
/// initialisers replaced.
bool exportOnnxWeights(const std::string &source, const std::string &destination,
                       const std::map<std::string, tensorio::Tensor> &tensors, size_t &replaced,
                       std::string &error);

} // namespace cvc::train

#endif // CVC_TRAIN_ONNXWEIGHTS_H

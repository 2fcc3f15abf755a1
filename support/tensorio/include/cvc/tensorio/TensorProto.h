//===- TensorProto.h - ONNX TensorProto to and from host tensors -*- C++ -*-===//
//
// The one decoder of ONNX tensors in cvc: initialisers and Constant values
// of the ONNX frontend, weights a .cvm model loads by name, cvc-run's .pb
// inputs. A TensorProto's dims and lengths are untrusted: every size is
// checked against the data actually present (in the proto or the external
// file) before anything is allocated for it.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_TENSORIO_TENSORPROTO_H
#define CVC_TENSORIO_TENSORPROTO_H

#include "cvc/tensorio/Tensor.h"

#include <string>
#include <vector>

namespace onnx {
class TensorProto;
} // namespace onnx

namespace cvc::tensorio {

/// Decodes a float32 tensor, or a float64 one narrowed to float32 (exporters
/// write scalars as float64 behind a Cast; cvc computes in float32), from
/// raw_data, float_data/double_data or external data, which is looked up
/// relative to `modelDir` (the model file's folder) and may not leave it.
/// On failure `error` names the tensor and says what is wrong.
bool decodeTensor(const onnx::TensorProto &proto, const std::string &modelDir, Tensor &out,
                  std::string &error);

/// True for an external-data location that names a file under the model's
/// folder by its form: relative, not empty, without a `..` component.
/// decodeTensor also resolves symbolic links before it reads.
bool isLocalDataLocation(const std::string &location);

/// The values of an INT64, INT32 or BOOL tensor (shapes, axes, pads, flags),
/// from raw_data or the typed fields; a trailing partial element of raw
/// data is ignored.
std::vector<int64_t> decodeIntegers(const onnx::TensorProto &proto);

/// Makes `proto` hold `tensor` as float32 raw data (its name is kept; any
/// typed or external data it had goes).
void encodeTensor(const Tensor &tensor, onnx::TensorProto &proto);

} // namespace cvc::tensorio

#endif // CVC_TENSORIO_TENSORPROTO_H

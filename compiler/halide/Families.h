//===- Families.h - one lowering function per cv op family ------*- C++ -*-===//
#ifndef CVC_HALIDE_FAMILIES_H
#define CVC_HALIDE_FAMILIES_H

#include "cvc/halide/Lowering.h"

#include "cv/CvOps.h"

namespace cvc::halide {

mlir::FailureOr<Kernel> lowerConv2d(cv::Conv2DOp op, const Halide::Target &target);
mlir::FailureOr<Kernel> lowerFullyConnected(cv::FullyConnectedOp op, const Halide::Target &target);
mlir::FailureOr<Kernel> lowerBlockedConv2d(cv::BlockedConv2DOp op, const Halide::Target &target);
mlir::FailureOr<Kernel> lowerWinogradConv2d(cv::WinogradConv2DOp op,
                                            const Halide::Target &target);
mlir::FailureOr<Kernel> lowerWinogradWeights(cv::WinogradWeightsOp op,
                                             const Halide::Target &target);
mlir::FailureOr<Kernel> lowerToBlocked(cv::ToBlockedOp op, const Halide::Target &target);
mlir::FailureOr<Kernel> lowerFromBlocked(cv::FromBlockedOp op, const Halide::Target &target);
mlir::FailureOr<Kernel> lowerMatMul(cv::MatMulOp op, const Halide::Target &target);
mlir::FailureOr<Kernel> lowerMaxPool2d(cv::MaxPool2DOp op, const Halide::Target &target);
mlir::FailureOr<Kernel> lowerAvgPool2d(cv::AvgPool2DOp op, const Halide::Target &target);
mlir::FailureOr<Kernel> lowerUnary(mlir::Operation *op, const Halide::Target &target);
mlir::FailureOr<Kernel> lowerBinary(mlir::Operation *op, const Halide::Target &target);
mlir::FailureOr<Kernel> lowerConcat(cv::ConcatOp op, const Halide::Target &target);
mlir::FailureOr<Kernel> lowerSoftmax(cv::SoftmaxOp op, const Halide::Target &target);
mlir::FailureOr<Kernel> lowerBatchNorm(cv::BatchNormOp op, const Halide::Target &target);
mlir::FailureOr<Kernel> lowerLRN(cv::LRNOp op, const Halide::Target &target);
mlir::FailureOr<Kernel> lowerLogSoftmax(cv::LogSoftmaxOp op, const Halide::Target &target);
mlir::FailureOr<Kernel> lowerTranspose(cv::TransposeOp op, const Halide::Target &target);
mlir::FailureOr<Kernel> lowerSlice(cv::SliceOp op, const Halide::Target &target);
mlir::FailureOr<Kernel> lowerPad(cv::PadOp op, const Halide::Target &target);
mlir::FailureOr<Kernel> lowerReduce(cv::ReduceOp op, const Halide::Target &target);
mlir::FailureOr<Kernel> lowerExpand(cv::ExpandOp op, const Halide::Target &target);

// Gradients and losses (training).
mlir::FailureOr<Kernel> lowerConv2dBackwardInput(cv::Conv2DBackwardInputOp op,
                                                 const Halide::Target &target);
mlir::FailureOr<Kernel> lowerConv2dBackwardWeight(cv::Conv2DBackwardWeightOp op,
                                                  const Halide::Target &target);
mlir::FailureOr<Kernel> lowerMaxPool2dBackward(cv::MaxPool2DBackwardOp op,
                                               const Halide::Target &target);
mlir::FailureOr<Kernel> lowerAvgPool2dBackward(cv::AvgPool2DBackwardOp op,
                                               const Halide::Target &target);
mlir::FailureOr<Kernel> lowerLRNBackward(cv::LRNBackwardOp op, const Halide::Target &target);
mlir::FailureOr<Kernel> lowerDropoutMask(cv::DropoutMaskOp op, const Halide::Target &target);
mlir::FailureOr<Kernel> lowerActivationBackward(cv::ActivationBackwardOp op,
                                                const Halide::Target &target);
mlir::FailureOr<Kernel> lowerSoftmaxCrossEntropy(cv::SoftmaxCrossEntropyOp op,
                                                 const Halide::Target &target);
mlir::FailureOr<Kernel> lowerSoftmaxCrossEntropyBackward(cv::SoftmaxCrossEntropyBackwardOp op,
                                                         const Halide::Target &target);

} // namespace cvc::halide

#endif // CVC_HALIDE_FAMILIES_H

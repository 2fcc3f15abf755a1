//===- ScheduleSpaceTest.cpp - every family's space at random points -----===//
//
// The schedule seam's contract: an op family's lowering applies any legal
// point of the op's schedule space and computes what the default point
// computes. For one op of each family and algorithm, a few random legal
// points are JIT-compiled, run on random input and compared with the
// default point's output (relative 1e-4: points change tiling and the order
// of vector partial sums, not the arithmetic); CVC_SCHEDULE_POINTS sets how
// many per algorithm (default 4; the sanitized run takes 1, since LLVM's
// code generation, not instrumented, is most of each point's time). For a CUDA target the same
// ops compile (no GPU runs them here) or are refused by name. Also: the
// text form of points round-trips, and illegal points are refused naming
// the parameter.
//
//===----------------------------------------------------------------------===//
#include "cvc/halide/GpuPlacement.h"
#include "cvc/halide/Lowering.h"

#include "cv/CvOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/FileSystem.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <random>
#include <set>

using namespace mlir;
using namespace cvc;

namespace {

/// How a case's inputs are drawn.
enum class Values {
  Signed,   ///< uniform in [-1, 1]
  Positive, ///< uniform in [0.5, 1.5] (log, sqrt, division, batch-norm variances)
  Labels,   ///< the second argument holds class indices (losses)
};

struct Case {
  const char *name;
  const char *mlir; ///< @f: its arguments are the kernel's inputs, its first kernel op the one tested
  Values values = Values::Signed;
};

const Case kCases[] = {
    {"conv_nchw",
     R"(func.func @f(%x: tensor<2x6x9x11xf32>, %w: tensor<10x6x3x3xf32>, %b: tensor<10xf32>) -> tensor<2x10x9x11xf32> {
       %y = cv.conv2d %x, %w, %b {pads = array<i64: 1, 1, 1, 1>} : (tensor<2x6x9x11xf32>, tensor<10x6x3x3xf32>, tensor<10xf32>) -> tensor<2x10x9x11xf32>
       return %y : tensor<2x10x9x11xf32> })"},
    {"conv_grouped_strided",
     R"(func.func @f(%x: tensor<2x8x10x10xf32>, %w: tensor<12x4x3x3xf32>) -> tensor<2x12x5x5xf32> {
       %y = cv.conv2d %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, groups = 2} : (tensor<2x8x10x10xf32>, tensor<12x4x3x3xf32>) -> tensor<2x12x5x5xf32>
       return %y : tensor<2x12x5x5xf32> })"},
    // Weights that are not constants: the staged algorithm is the default.
    {"conv_staged_residual",
     R"(func.func @f(%x: tensor<2x16x7x9xf32>, %w: tensor<32x16x3x3xf32>, %b: tensor<32xf32>, %r: tensor<2x32x7x9xf32>) -> tensor<2x32x7x9xf32> {
       %y = cv.conv2d %x, %w, %b residual %r {activation = #cv<activation relu>, pads = array<i64: 1, 1, 1, 1>} : (tensor<2x16x7x9xf32>, tensor<32x16x3x3xf32>, tensor<32xf32>, tensor<2x32x7x9xf32>) -> tensor<2x32x7x9xf32>
       return %y : tensor<2x32x7x9xf32> })"},
    {"conv_backward_input_staged",
     R"(func.func @f(%dy: tensor<2x16x4x4xf32>, %w: tensor<16x16x3x3xf32>) -> tensor<2x16x7x7xf32> {
       %dx = cv.conv2d_backward_input %dy, %w {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>} : (tensor<2x16x4x4xf32>, tensor<16x16x3x3xf32>) -> tensor<2x16x7x7xf32>
       return %dx : tensor<2x16x7x7xf32> })"},
    {"conv_backward_input_gather",
     R"(func.func @f(%dy: tensor<2x6x4x4xf32>, %w: tensor<6x3x3x3xf32>) -> tensor<2x3x7x7xf32> {
       %dx = cv.conv2d_backward_input %dy, %w {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>} : (tensor<2x6x4x4xf32>, tensor<6x3x3x3xf32>) -> tensor<2x3x7x7xf32>
       return %dx : tensor<2x3x7x7xf32> })"},
    {"conv_backward_weight_staged",
     R"(func.func @f(%x: tensor<2x16x7x7xf32>, %dy: tensor<2x16x4x4xf32>) -> tensor<16x16x3x3xf32> {
       %dw = cv.conv2d_backward_weight %x, %dy {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>} : (tensor<2x16x7x7xf32>, tensor<2x16x4x4xf32>) -> tensor<16x16x3x3xf32>
       return %dw : tensor<16x16x3x3xf32> })"},
    {"conv_backward_weight_lanes",
     R"(func.func @f(%x: tensor<2x3x7x7xf32>, %dy: tensor<2x6x4x4xf32>) -> tensor<6x3x3x3xf32> {
       %dw = cv.conv2d_backward_weight %x, %dy {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>} : (tensor<2x3x7x7xf32>, tensor<2x6x4x4xf32>) -> tensor<6x3x3x3xf32>
       return %dw : tensor<6x3x3x3xf32> })"},
    // Depthwise: each task copies its channels' padded input and output
    // gradient first (padded_at=task by default).
    {"depthwise_backward_weight",
     R"(func.func @f(%x: tensor<2x8x9x11xf32>, %dy: tensor<2x8x5x6xf32>) -> tensor<8x1x3x3xf32> {
       %dw = cv.conv2d_backward_weight %x, %dy {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, groups = 8 : i64} : (tensor<2x8x9x11xf32>, tensor<2x8x5x6xf32>) -> tensor<8x1x3x3xf32>
       return %dw : tensor<8x1x3x3xf32> })"},
    {"conv_blocked",
     R"(func.func @f(%x: tensor<2x2x9x10x16xf32>, %w: tensor<2x32x3x3x16xf32>, %b: tensor<32xf32>) -> tensor<2x2x9x10x16xf32> {
       %y = cv.conv2d_blocked %x, %w, %b {pads = array<i64: 1, 1, 1, 1>} : (tensor<2x2x9x10x16xf32>, tensor<2x32x3x3x16xf32>, tensor<32xf32>) -> tensor<2x2x9x10x16xf32>
       return %y : tensor<2x2x9x10x16xf32> })"},
    {"conv_blocked_nchw_input_fused_pool",
     R"(func.func @f(%x: tensor<2x3x12x12xf32>, %w: tensor<2x3x3x3x16xf32>) -> tensor<2x2x6x6x16xf32> {
       %y = cv.conv2d_blocked %x, %w {pads = array<i64: 1, 1, 1, 1>, max_pool = array<i64: 2, 2>, activation = #cv<activation relu>} : (tensor<2x3x12x12xf32>, tensor<2x3x3x3x16xf32>) -> tensor<2x2x6x6x16xf32>
       return %y : tensor<2x2x6x6x16xf32> })"},
    {"conv_blocked_grouped",
     R"(func.func @f(%x: tensor<2x4x8x8x16xf32>, %w: tensor<4x32x3x3x16xf32>) -> tensor<2x4x8x8x16xf32> {
       %y = cv.conv2d_blocked %x, %w {pads = array<i64: 1, 1, 1, 1>, groups = 2} : (tensor<2x4x8x8x16xf32>, tensor<4x32x3x3x16xf32>) -> tensor<2x4x8x8x16xf32>
       return %y : tensor<2x4x8x8x16xf32> })"},
    {"depthwise_blocked_stride2_swish",
     R"(func.func @f(%x: tensor<2x2x9x10x16xf32>, %w: tensor<2x3x3x16xf32>, %b: tensor<32xf32>) -> tensor<2x2x5x5x16xf32> {
       %y = cv.depthwise_conv2d_blocked %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, activation = #cv<activation swish>} : (tensor<2x2x9x10x16xf32>, tensor<2x3x3x16xf32>, tensor<32xf32>) -> tensor<2x2x5x5x16xf32>
       return %y : tensor<2x2x5x5x16xf32> })"},
    {"depthwise_blocked_5x5_residual",
     R"(func.func @f(%x: tensor<2x1x7x11x16xf32>, %w: tensor<1x5x5x16xf32>, %r: tensor<2x1x7x11x16xf32>) -> tensor<2x1x7x11x16xf32> {
       %y = cv.depthwise_conv2d_blocked %x, %w residual %r {pads = array<i64: 2, 2, 2, 2>, activation = #cv<activation clip>, activation_args = array<f32: 0.0, 6.0>} : (tensor<2x1x7x11x16xf32>, tensor<1x5x5x16xf32>, tensor<2x1x7x11x16xf32>) -> tensor<2x1x7x11x16xf32>
       return %y : tensor<2x1x7x11x16xf32> })"},
    // Narrow groups of 4 channels (a [C/b, kh, kw, g, b] weight), stride 2.
    {"grouped_narrow_blocked",
     R"(func.func @f(%x: tensor<2x2x9x10x16xf32>, %w: tensor<2x3x3x4x16xf32>, %b: tensor<32xf32>) -> tensor<2x2x5x5x16xf32> {
       %y = cv.depthwise_conv2d_blocked %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, activation = #cv<activation relu>} : (tensor<2x2x9x10x16xf32>, tensor<2x3x3x4x16xf32>, tensor<32xf32>) -> tensor<2x2x5x5x16xf32>
       return %y : tensor<2x2x5x5x16xf32> })"},
    // Groups of 8, padded, residual: blended lanes by default.
    {"grouped_narrow_blocked_g8",
     R"(func.func @f(%x: tensor<2x1x7x9x16xf32>, %w: tensor<1x3x3x8x16xf32>, %r: tensor<2x1x7x9x16xf32>) -> tensor<2x1x7x9x16xf32> {
       %y = cv.depthwise_conv2d_blocked %x, %w residual %r {pads = array<i64: 1, 1, 1, 1>} : (tensor<2x1x7x9x16xf32>, tensor<1x3x3x8x16xf32>, tensor<2x1x7x9x16xf32>) -> tensor<2x1x7x9x16xf32>
       return %y : tensor<2x1x7x9x16xf32> })"},
    {"winograd",
     R"(func.func @f(%x: tensor<2x2x10x10x16xf32>, %u: tensor<36x2x32x16xf32>, %b: tensor<32xf32>) -> tensor<2x2x10x10x16xf32> {
       %y = cv.conv2d_winograd %x, %u, %b {pads = array<i64: 1, 1, 1, 1>} : (tensor<2x2x10x10x16xf32>, tensor<36x2x32x16xf32>, tensor<32xf32>) -> tensor<2x2x10x10x16xf32>
       return %y : tensor<2x2x10x10x16xf32> })"},
    {"winograd_weights",
     R"(func.func @f(%w: tensor<2x32x3x3x16xf32>) -> tensor<36x2x32x16xf32> {
       %u = cv.winograd_weights %w : (tensor<2x32x3x3x16xf32>) -> tensor<36x2x32x16xf32>
       return %u : tensor<36x2x32x16xf32> })"},
    {"to_blocked",
     R"(func.func @f(%x: tensor<?x32x5x7xf32>) -> tensor<?x2x5x7x16xf32> {
       %y = cv.to_blocked %x {block = 16} : (tensor<?x32x5x7xf32>) -> tensor<?x2x5x7x16xf32>
       return %y : tensor<?x2x5x7x16xf32> })"},
    {"to_blocked_padded",
     R"(func.func @f(%x: tensor<?x24x5x7xf32>) -> tensor<?x2x5x7x16xf32> {
       %y = cv.to_blocked %x {block = 16} : (tensor<?x24x5x7xf32>) -> tensor<?x2x5x7x16xf32>
       return %y : tensor<?x2x5x7x16xf32> })"},
    // Rows of at least a block: the tiled relayouts, the last block of a
    // row shifted inwards (18 pixels), padded channels (24).
    {"to_blocked_tiled_padded",
     R"(func.func @f(%x: tensor<?x24x3x18xf32>) -> tensor<?x2x3x18x16xf32> {
       %y = cv.to_blocked %x {block = 16} : (tensor<?x24x3x18xf32>) -> tensor<?x2x3x18x16xf32>
       return %y : tensor<?x2x3x18x16xf32> })"},
    {"from_blocked_tiled",
     R"(func.func @f(%x: tensor<2x2x3x18x16xf32>) -> tensor<2x32x3x18xf32> {
       %y = cv.from_blocked %x : (tensor<2x2x3x18x16xf32>) -> tensor<2x32x3x18xf32>
       return %y : tensor<2x32x3x18xf32> })"},
    {"from_blocked_padded",
     R"(func.func @f(%x: tensor<2x2x5x7x16xf32>) -> tensor<2x24x5x7xf32> {
       %y = cv.from_blocked %x {channels = 24} : (tensor<2x2x5x7x16xf32>) -> tensor<2x24x5x7xf32>
       return %y : tensor<2x24x5x7xf32> })"},
    {"swish",
     R"(func.func @f(%x: tensor<?x3x5x7xf32>) -> tensor<?x3x5x7xf32> {
       %y = cv.swish %x : tensor<?x3x5x7xf32>
       return %y : tensor<?x3x5x7xf32> })"},
    {"from_blocked",
     R"(func.func @f(%x: tensor<2x2x5x7x16xf32>) -> tensor<2x32x5x7xf32> {
       %y = cv.from_blocked %x : (tensor<2x2x5x7x16xf32>) -> tensor<2x32x5x7xf32>
       return %y : tensor<2x32x5x7xf32> })"},
    {"fully_connected",
     R"(func.func @f(%x: tensor<5x37xf32>, %w: tensor<12x37xf32>, %b: tensor<12xf32>) -> tensor<5x12xf32> {
       %y = cv.fully_connected %x, %w, %b : (tensor<5x37xf32>, tensor<12x37xf32>, tensor<12xf32>) -> tensor<5x12xf32>
       return %y : tensor<5x12xf32> })"},
    // One row: the loops below row_tile rows, with their own feature tile.
    {"fully_connected_one_row",
     R"(func.func @f(%x: tensor<1x37xf32>, %w: tensor<12x37xf32>, %b: tensor<12xf32>) -> tensor<1x12xf32> {
       %y = cv.fully_connected %x, %w, %b {activation = #cv<activation relu>} : (tensor<1x37xf32>, tensor<12x37xf32>, tensor<12xf32>) -> tensor<1x12xf32>
       return %y : tensor<1x12xf32> })"},
    // A shared rhs (a channels-last linear layer): both loop orders.
    {"batch_matmul_shared_rhs",
     R"(func.func @f(%a: tensor<2x3x7x37xf32>, %b: tensor<37x40xf32>) -> tensor<2x3x7x40xf32> {
       %y = cv.batch_matmul %a, %b : (tensor<2x3x7x37xf32>, tensor<37x40xf32>) -> tensor<2x3x7x40xf32>
       return %y : tensor<2x3x7x40xf32> })"},
    // cv.linear with a packed [N/b, K, b] weight, bias, residual and GELU:
    // points must take whole panels.
    {"linear_packed_epilogue",
     R"(func.func @f(%a: tensor<2x3x7x37xf32>, %w: tensor<3x37x16xf32>, %b: tensor<48xf32>, %r: tensor<2x3x7x48xf32>) -> tensor<2x3x7x48xf32> {
       %y = cv.linear %a, %w, %b residual %r {activation = #cv<activation gelu>} : (tensor<2x3x7x37xf32>, tensor<3x37x16xf32>, tensor<48xf32>, tensor<2x3x7x48xf32>) -> tensor<2x3x7x48xf32>
       return %y : tensor<2x3x7x48xf32> })"},
    // cv.linear with an unpacked [K, N] weight (a trainable one).
    {"linear_unpacked",
     R"(func.func @f(%a: tensor<9x20xf32>, %w: tensor<20x33xf32>, %b: tensor<33xf32>) -> tensor<9x33xf32> {
       %y = cv.linear %a, %w, %b {activation = #cv<activation relu>} : (tensor<9x20xf32>, tensor<20x33xf32>, tensor<33xf32>) -> tensor<9x33xf32>
       return %y : tensor<9x33xf32> })"},
    // Both operands batched, one batch dimension broadcast.
    {"batch_matmul_batched",
     R"(func.func @f(%a: tensor<2x3x9x20xf32>, %b: tensor<2x1x20x33xf32>) -> tensor<2x3x9x33xf32> {
       %y = cv.batch_matmul %a, %b : (tensor<2x3x9x20xf32>, tensor<2x1x20x33xf32>) -> tensor<2x3x9x33xf32>
       return %y : tensor<2x3x9x33xf32> })"},
    {"matmul",
     R"(func.func @f(%x: tensor<2x24x50xf32>, %w: tensor<20x24xf32>, %b: tensor<20xf32>) -> tensor<2x20x50xf32> {
       %y = cv.matmul %x, %w, %b : (tensor<2x24x50xf32>, tensor<20x24xf32>, tensor<20xf32>) -> tensor<2x20x50xf32>
       return %y : tensor<2x20x50xf32> })"},
    {"tanh",
     R"(func.func @f(%x: tensor<?x3x5x7xf32>) -> tensor<?x3x5x7xf32> {
       %y = cv.tanh %x : tensor<?x3x5x7xf32>
       return %y : tensor<?x3x5x7xf32> })"},
    {"div_broadcast",
     R"(func.func @f(%x: tensor<2x3x5x7xf32>, %s: tensor<3x1x1xf32>) -> tensor<2x3x5x7xf32> {
       %y = cv.div %x, %s : (tensor<2x3x5x7xf32>, tensor<3x1x1xf32>) -> tensor<2x3x5x7xf32>
       return %y : tensor<2x3x5x7xf32> })",
     Values::Positive},
    {"concat",
     R"(func.func @f(%a: tensor<2x3x4x5xf32>, %b: tensor<2x5x4x5xf32>) -> tensor<2x8x4x5xf32> {
       %y = cv.concat %a, %b {axis = 1} : (tensor<2x3x4x5xf32>, tensor<2x5x4x5xf32>) -> tensor<2x8x4x5xf32>
       return %y : tensor<2x8x4x5xf32> })"},
    {"activation_backward",
     R"(func.func @f(%y: tensor<2x3x5x7xf32>, %dy: tensor<2x3x5x7xf32>) -> tensor<2x3x5x7xf32> {
       %dx = cv.activation_backward %y, %dy {activation = #cv<activation tanh>} : tensor<2x3x5x7xf32>
       return %dx : tensor<2x3x5x7xf32> })"},
    {"dropout_mask",
     R"(func.func @f(%step: tensor<1xf32>) -> tensor<2x3x5x7xf32> {
       %m = cv.dropout_mask %step {ratio = 5.0e-01 : f32, seed = 3} : (tensor<1xf32>) -> tensor<2x3x5x7xf32>
       return %m : tensor<2x3x5x7xf32> })"},
    {"transpose",
     R"(func.func @f(%x: tensor<2x3x4x5xf32>) -> tensor<2x4x5x3xf32> {
       %y = cv.transpose %x {perm = array<i64: 0, 2, 3, 1>} : (tensor<2x3x4x5xf32>) -> tensor<2x4x5x3xf32>
       return %y : tensor<2x4x5x3xf32> })"},
    // The innermost dimension moves (NHWC -> NCHW): tiled blocks, whose
    // last tiles shift inwards over 18 and 20.
    {"transpose_tiled",
     R"(func.func @f(%x: tensor<2x9x18x20xf32>) -> tensor<2x20x9x18xf32> {
       %y = cv.transpose %x {perm = array<i64: 0, 3, 1, 2>} : (tensor<2x9x18x20xf32>) -> tensor<2x20x9x18xf32>
       return %y : tensor<2x20x9x18xf32> })"},
    {"slice",
     R"(func.func @f(%x: tensor<2x6x9x9xf32>) -> tensor<2x2x4x3xf32> {
       %y = cv.slice %x {starts = array<i64: 0, 1, 8, 0>, sizes = array<i64: 2, 2, 4, 3>, steps = array<i64: 1, 3, -2, 4>} : (tensor<2x6x9x9xf32>) -> tensor<2x2x4x3xf32>
       return %y : tensor<2x2x4x3xf32> })"},
    {"pad_reflect",
     R"(func.func @f(%x: tensor<2x3x5x6xf32>) -> tensor<2x3x7x9xf32> {
       %y = cv.pad %x {pads = array<i64: 0, 0, 1, 2, 0, 0, 1, 1>, mode = 1 : i64} : (tensor<2x3x5x6xf32>) -> tensor<2x3x7x9xf32>
       return %y : tensor<2x3x7x9xf32> })"},
    {"expand",
     R"(func.func @f(%x: tensor<1x3x1x1xf32>) -> tensor<2x3x4x5xf32> {
       %y = cv.expand %x : (tensor<1x3x1x1xf32>) -> tensor<2x3x4x5xf32>
       return %y : tensor<2x3x4x5xf32> })"},
    {"max_pool",
     R"(func.func @f(%x: tensor<2x3x9x9xf32>) -> tensor<2x3x5x5xf32> {
       %y = cv.max_pool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>} : (tensor<2x3x9x9xf32>) -> tensor<2x3x5x5xf32>
       return %y : tensor<2x3x5x5xf32> })"},
    {"avg_pool_blocked",
     R"(func.func @f(%x: tensor<2x2x8x8x16xf32>) -> tensor<2x2x4x4x16xf32> {
       %y = cv.avg_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<2x2x8x8x16xf32>) -> tensor<2x2x4x4x16xf32>
       return %y : tensor<2x2x4x4x16xf32> })"},
    {"max_pool_backward",
     R"(func.func @f(%x: tensor<2x3x9x9xf32>, %dy: tensor<2x3x5x5xf32>) -> tensor<2x3x9x9xf32> {
       %dx = cv.max_pool2d_backward %x, %dy {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>} : (tensor<2x3x9x9xf32>, tensor<2x3x5x5xf32>) -> tensor<2x3x9x9xf32>
       return %dx : tensor<2x3x9x9xf32> })"},
    {"avg_pool_backward",
     R"(func.func @f(%dy: tensor<2x3x5x5xf32>) -> tensor<2x3x9x9xf32> {
       %dx = cv.avg_pool2d_backward %dy {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, count_include_pad = true} : (tensor<2x3x5x5xf32>) -> tensor<2x3x9x9xf32>
       return %dx : tensor<2x3x9x9xf32> })"},
    {"softmax",
     R"(func.func @f(%x: tensor<4x10xf32>) -> tensor<4x10xf32> {
       %y = cv.softmax %x {axis = 1} : tensor<4x10xf32>
       return %y : tensor<4x10xf32> })"},
    {"log_softmax_inner_axis",
     R"(func.func @f(%x: tensor<2x6x5xf32>) -> tensor<2x6x5xf32> {
       %y = cv.log_softmax %x {axis = 1} : tensor<2x6x5xf32>
       return %y : tensor<2x6x5xf32> })"},
    {"lrn",
     R"(func.func @f(%x: tensor<2x8x5x6xf32>) -> tensor<2x8x5x6xf32> {
       %y = cv.lrn %x {size = 5, alpha = 1.0e-1 : f32, beta = 0.75 : f32, bias = 2.0 : f32} : tensor<2x8x5x6xf32>
       return %y : tensor<2x8x5x6xf32> })"},
    {"lrn_backward",
     R"(func.func @f(%x: tensor<2x8x5x6xf32>, %dy: tensor<2x8x5x6xf32>) -> tensor<2x8x5x6xf32> {
       %dx = cv.lrn_backward %x, %dy {size = 3, alpha = 1.0e-1 : f32, beta = 0.75 : f32, bias = 2.0 : f32} : tensor<2x8x5x6xf32>
       return %dx : tensor<2x8x5x6xf32> })"},
    {"batch_norm",
     R"(func.func @f(%x: tensor<2x4x5x5xf32>, %s: tensor<4xf32>, %b: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>) -> tensor<2x4x5x5xf32> {
       %y = cv.batch_norm %x, %s, %b, %m, %v : (tensor<2x4x5x5xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4x5x5xf32>
       return %y : tensor<2x4x5x5xf32> })",
     Values::Positive},
    {"reduce_mean",
     R"(func.func @f(%x: tensor<2x3x5x7xf32>) -> tensor<2x3x1x1xf32> {
       %y = cv.reduce %x {kind = 1 : i64, axes = array<i64: 2, 3>} : (tensor<2x3x5x7xf32>) -> tensor<2x3x1x1xf32>
       return %y : tensor<2x3x1x1xf32> })"},
    // Reductions over the innermost dimension (reduce_lanes): batch norm's
    // statistics over N, H, W with a ragged last vector, a max over whole
    // vectors, and a sum of everything.
    {"reduce_mean_batch_statistics",
     R"(func.func @f(%x: tensor<3x5x6x20xf32>) -> tensor<1x5x1x1xf32> {
       %y = cv.reduce %x {kind = 1 : i64, axes = array<i64: 0, 2, 3>} : (tensor<3x5x6x20xf32>) -> tensor<1x5x1x1xf32>
       return %y : tensor<1x5x1x1xf32> })"},
    {"reduce_max_rows",
     R"(func.func @f(%x: tensor<2x3x4x32xf32>) -> tensor<2x3x4x1xf32> {
       %y = cv.reduce %x {kind = 2 : i64, axes = array<i64: 3>} : (tensor<2x3x4x32xf32>) -> tensor<2x3x4x1xf32>
       return %y : tensor<2x3x4x1xf32> })"},
    {"reduce_sum_all",
     R"(func.func @f(%x: tensor<4x37xf32>) -> tensor<1x1xf32> {
       %y = cv.reduce %x {kind = 0 : i64, axes = array<i64: 0, 1>} : (tensor<4x37xf32>) -> tensor<1x1xf32>
       return %y : tensor<1x1xf32> })"},
    {"softmax_cross_entropy",
     R"(func.func @f(%z: tensor<4x10xf32>, %l: tensor<4xf32>) -> tensor<1xf32> {
       %loss = cv.softmax_cross_entropy %z, %l {label_smoothing = 0.1 : f32} : (tensor<4x10xf32>, tensor<4xf32>) -> tensor<1xf32>
       return %loss : tensor<1xf32> })",
     Values::Labels},
    {"softmax_cross_entropy_backward",
     R"(func.func @f(%z: tensor<4x10xf32>, %l: tensor<4xf32>, %s: tensor<1xf32>) -> tensor<4x10xf32> {
       %dz = cv.softmax_cross_entropy_backward %z, %l, %s : (tensor<4x10xf32>, tensor<4xf32>, tensor<1xf32>) -> tensor<4x10xf32>
       return %dz : tensor<4x10xf32> })",
     Values::Labels},
};

/// A dynamic batch is run as `batch` (2 unless a test says).
std::vector<int> halideExtents(Value v, int batch = 2) {
  auto type = llvm::cast<RankedTensorType>(v.getType());
  std::vector<int> extents;
  for (int64_t i = type.getRank() - 1; i >= 0; --i)
    extents.push_back(type.isDynamicDim(i) ? batch : static_cast<int>(type.getDimSize(i)));
  return extents;
}

Halide::Buffer<float> randomBuffer(Value v, Values values, bool labels, std::mt19937 &rng,
                                   int batch = 2) {
  Halide::Buffer<float> buffer(halideExtents(v, batch));
  std::uniform_real_distribution<float> sign(-1.0f, 1.0f), positive(0.5f, 1.5f);
  std::uniform_int_distribution<int> label(0, 9);
  buffer.for_each_value([&](float &x) {
    x = labels ? static_cast<float>(label(rng)) : values == Values::Positive ? positive(rng) : sign(rng);
  });
  return buffer;
}

/// Up to `count` distinct legal points per algorithm, drawn uniformly from
/// each parameter's values and kept when the space accepts them. Not the
/// autoschedulers': their schedules are checked by measurement (cvc-tune)
/// rather than correct by construction, and AutoschedulerTest covers them.
std::vector<cvc::halide::SchedulePoint> samplePoints(const cvc::halide::ScheduleSpace &space,
                                                     int count, std::mt19937 &rng) {
  std::vector<cvc::halide::SchedulePoint> points;
  for (const cvc::halide::ScheduleAlgorithm &algorithm : space.algorithms) {
    if (algorithm.name == "autoschedule")
      continue;
    int found = 0;
    for (int attempt = 0; attempt < 500 && found < count; ++attempt) {
      cvc::halide::SchedulePoint point(algorithm.name);
      for (const cvc::halide::ScheduleParam &param : algorithm.params) {
        std::uniform_int_distribution<size_t> pick(0, param.values.size() - 1);
        point.set(param.name, param.values[pick(rng)]);
      }
      if (!space.check(point).empty() || point == space.defaultPoint ||
          std::find(points.begin(), points.end(), point) != points.end())
        continue;
      points.push_back(point);
      ++found;
    }
  }
  return points;
}

int randomPointCount() {
  const char *text = std::getenv("CVC_SCHEDULE_POINTS");
  int count = text ? std::atoi(text) : 4;
  return count >= 1 && count <= 64 ? count : 4;
}

class ScheduleSpaceTest : public ::testing::TestWithParam<Case> {
protected:
  void SetUp() override {
    registry.insert<cv::CvDialect, func::FuncDialect>();
    cvc::halide::registerKernelInterfaces(registry);
    context = std::make_unique<MLIRContext>(registry);
    context->loadAllAvailableDialects();
    std::string error;
    auto target = cvc::halide::resolveTarget(context.get(), "host", 0, error);
    ASSERT_TRUE(succeeded(target)) << error;
    kernelContext = cvc::halide::kernelContextFor(*target);
  }

  DialectRegistry registry;
  std::unique_ptr<MLIRContext> context;
  cvc::halide::KernelContext kernelContext;
};

/// The op's kernel at `point`, run on `inputs` (whose dynamic batch is `batch`).
Halide::Buffer<float> run(Operation *op, const cvc::halide::KernelContext &kernelContext,
                          const cvc::halide::SchedulePoint &point,
                          std::vector<Halide::Buffer<float>> &inputs, int batch = 2) {
  FailureOr<cvc::halide::Kernel> kernel = cvc::halide::lowerOp(op, kernelContext, &point);
  EXPECT_TRUE(succeeded(kernel));
  if (failed(kernel))
    return {};
  EXPECT_EQ(kernel->params.size(), inputs.size());
  for (size_t i = 0; i < inputs.size() && i < kernel->params.size(); ++i)
    kernel->params[i].set(inputs[i]);
  Halide::Buffer<float> out(halideExtents(op->getResult(0), batch));
  kernel->pipeline.realize(out, kernelContext.target);
  return out;
}

TEST_P(ScheduleSpaceTest, RandomLegalPointsMatchTheDefault) {
  const Case &c = GetParam();
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(c.mlir, context.get());
  ASSERT_TRUE(module) << "case " << c.name << " does not parse";
  auto f = module->lookupSymbol<func::FuncOp>("f");
  Operation *op = nullptr;
  f.walk([&](cvc::halide::HalideKernelOpInterface k) {
    if (!op)
      op = k;
  });
  ASSERT_NE(op, nullptr);

  FailureOr<cvc::halide::ScheduleSpace> space = cvc::halide::scheduleSpaceOf(op, kernelContext);
  ASSERT_TRUE(succeeded(space));
  ASSERT_EQ(space->check(space->defaultPoint), "") << space->format(space->defaultPoint);

  std::mt19937 rng(std::hash<std::string>{}(c.name));
  std::vector<Halide::Buffer<float>> inputs;
  for (BlockArgument arg : f.getArguments())
    inputs.push_back(randomBuffer(arg, c.values,
                                  c.values == Values::Labels && arg.getArgNumber() == 1, rng));
  Halide::Buffer<float> reference = run(op, kernelContext, space->defaultPoint, inputs);
  ASSERT_TRUE(reference.defined());
  float scale = 0.0f;
  reference.for_each_value([&](float v) { scale = std::max(scale, std::fabs(v)); });

  std::vector<cvc::halide::SchedulePoint> points = samplePoints(*space, randomPointCount(), rng);
  for (const cvc::halide::SchedulePoint &point : points) {
    std::string text = space->format(point);
    Halide::Buffer<float> out = run(op, kernelContext, point, inputs);
    ASSERT_TRUE(out.defined()) << text;
    float worst = 0.0f;
    out.for_each_element([&](const int *pos) {
      worst = std::max(worst, std::fabs(out(pos) - reference(pos)));
    });
    std::printf("%-36s %-60s max |diff| %.2e (scale %.2e)\n", c.name, text.c_str(), worst, scale);
    EXPECT_LE(worst, 1e-4f * (1.0f + scale)) << c.name << " at '" << text << "' vs default '"
                                             << space->format(space->defaultPoint) << "'";
  }
}

INSTANTIATE_TEST_SUITE_P(Families, ScheduleSpaceTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case> &info) {
                           return std::string(info.param.name);
                         });

/// Halide's autoschedulers on kernels with a dynamic batch: each one's
/// schedule computes the default point's output at batches 1, 2 and 3.
/// Adams2019's beam search takes seconds to minutes on the unrolled
/// convolution kernels, so it and Li2018 run on the cheaper families.
struct AutoscheduleCase {
  const char *name;
  const char *mlir;
  std::vector<const char *> schedulers;
};

const AutoscheduleCase kAutoscheduleCases[] = {
    {"conv_blocked",
     R"(func.func @f(%x: tensor<?x2x9x10x16xf32>, %w: tensor<2x32x3x3x16xf32>, %b: tensor<32xf32>) -> tensor<?x2x9x10x16xf32> {
       %y = cv.conv2d_blocked %x, %w, %b {pads = array<i64: 1, 1, 1, 1>, activation = #cv<activation relu>} : (tensor<?x2x9x10x16xf32>, tensor<2x32x3x3x16xf32>, tensor<32xf32>) -> tensor<?x2x9x10x16xf32>
       return %y : tensor<?x2x9x10x16xf32> })",
     {"mullapudi2016"}},
    {"fully_connected",
     R"(func.func @f(%x: tensor<?x37xf32>, %w: tensor<24x37xf32>, %b: tensor<24xf32>) -> tensor<?x24xf32> {
       %y = cv.fully_connected %x, %w, %b : (tensor<?x37xf32>, tensor<24x37xf32>, tensor<24xf32>) -> tensor<?x24xf32>
       return %y : tensor<?x24xf32> })",
     {"mullapudi2016", "adams2019", "li2018"}},
    {"max_pool_blocked",
     R"(func.func @f(%x: tensor<?x2x9x9x16xf32>) -> tensor<?x2x5x5x16xf32> {
       %y = cv.max_pool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>} : (tensor<?x2x9x9x16xf32>) -> tensor<?x2x5x5x16xf32>
       return %y : tensor<?x2x5x5x16xf32> })",
     {"mullapudi2016", "adams2019", "li2018"}},
};

class AutoschedulerTest : public ScheduleSpaceTest {};

TEST_F(AutoschedulerTest, EachComputesTheDefaultsOutputAtSeveralBatches) {
  for (const AutoscheduleCase &c : kAutoscheduleCases) {
    OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(c.mlir, context.get());
    ASSERT_TRUE(module) << c.name;
    auto f = module->lookupSymbol<func::FuncOp>("f");
    Operation *op = &f.getBody().front().front();
    FailureOr<cvc::halide::ScheduleSpace> space = cvc::halide::scheduleSpaceOf(op, kernelContext);
    ASSERT_TRUE(succeeded(space));
    for (const char *scheduler : c.schedulers) {
      std::string error;
      std::optional<cvc::halide::SchedulePoint> point =
          space->parse(std::string("autoschedule scheduler=") + scheduler + " balance=40", error);
      ASSERT_TRUE(point) << c.name << ": " << error;
      for (int batch : {1, 2, 3}) {
        std::mt19937 rng(batch);
        std::vector<Halide::Buffer<float>> inputs;
        for (BlockArgument arg : f.getArguments())
          inputs.push_back(randomBuffer(arg, Values::Signed, false, rng, batch));
        Halide::Buffer<float> reference = run(op, kernelContext, space->defaultPoint, inputs, batch);
        Halide::Buffer<float> out = run(op, kernelContext, *point, inputs, batch);
        ASSERT_TRUE(reference.defined() && out.defined()) << c.name << " " << scheduler;
        float worst = 0.0f, scale = 0.0f;
        out.for_each_element([&](const int *pos) {
          scale = std::max(scale, std::fabs(reference(pos)));
          worst = std::max(worst, std::fabs(out(pos) - reference(pos)));
        });
        std::printf("%-18s %-14s batch %d: max |diff| %.2e (scale %.2e)\n", c.name, scheduler,
                    batch, worst, scale);
        EXPECT_LE(worst, 1e-4f * (1.0f + scale)) << c.name << " " << scheduler << " batch " << batch;
      }
    }
  }
}

/// The same cases for a CUDA target, compiled but not run (no GPU here).
/// Each either has a GPU schedule, and then its space holds GPU algorithms
/// only and its default point and one other point of each algorithm
/// compile to CUDA objects that compute nothing on the host (compileKernel
/// checks), or is refused at the op as having none.
class GpuScheduleTest : public ScheduleSpaceTest {
protected:
  void SetUp() override {
    ScheduleSpaceTest::SetUp();
    std::string error;
    auto target = cvc::halide::resolveTarget(context.get(), "cuda", 0, error);
    ASSERT_TRUE(succeeded(target)) << error;
    kernelContext = cvc::halide::kernelContextFor(*target);
    ASSERT_TRUE(kernelContext.gpu());
  }
};

TEST_P(GpuScheduleTest, CompilesForCudaOrIsRefusedByName) {
  const Case &c = GetParam();
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(c.mlir, context.get());
  ASSERT_TRUE(module) << "case " << c.name << " does not parse";
  Operation *op = nullptr;
  module->lookupSymbol<func::FuncOp>("f").walk([&](cvc::halide::HalideKernelOpInterface k) {
    if (!op)
      op = k;
  });
  ASSERT_NE(op, nullptr);
  std::string message;
  ScopedDiagnosticHandler capture(context.get(), [&](Diagnostic &d) {
    message = d.str();
    return success();
  });
  FailureOr<cvc::halide::ScheduleSpace> space = cvc::halide::scheduleSpaceOf(op, kernelContext);
  // The CPU layouts' ops alone, whose passes a GPU target leaves out.
  const std::set<std::string> cpuOnly = {"winograd_weights",   "to_blocked",
                                         "to_blocked_padded",  "to_blocked_tiled_padded",
                                         "from_blocked",       "from_blocked_padded",
                                         "from_blocked_tiled"};
  if (failed(space)) {
    std::printf("%-36s no GPU schedule: %s\n", c.name, message.c_str());
    EXPECT_TRUE(cpuOnly.count(c.name)) << c.name << " lost its GPU schedule: " << message;
    EXPECT_NE(message.find("has no GPU schedule yet"), std::string::npos) << message;
    return;
  }
  EXPECT_FALSE(cpuOnly.count(c.name)) << c.name << " was expected to have no GPU schedule";
  for (const cvc::halide::ScheduleAlgorithm &a : space->algorithms)
    EXPECT_TRUE(a.name.rfind("gpu_", 0) == 0 || a.name == "autoschedule") << c.name << ": " << a.name;
  ASSERT_EQ(space->check(space->defaultPoint), "") << space->format(space->defaultPoint);
  std::mt19937 rng(std::hash<std::string>{}(c.name));
  std::vector<cvc::halide::SchedulePoint> points = samplePoints(*space, 1, rng);
  points.insert(points.begin(), space->defaultPoint);
  llvm::SmallString<128> dir;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("cvc-gpu-schedule", dir));
  for (const cvc::halide::SchedulePoint &point : points) {
    std::string text = space->format(point);
    FailureOr<cvc::halide::Kernel> kernel = cvc::halide::lowerOp(op, kernelContext, &point);
    ASSERT_TRUE(succeeded(kernel)) << c.name << " at '" << text << "': " << message;
    kernel->schedule = text;
    std::string object = (dir + "/kernel.o").str(), error;
    EXPECT_TRUE(succeeded(cvc::halide::compileKernel(*kernel, "kernel", object,
                                                     kernelContext.target, error)))
        << c.name << " at '" << text << "': " << error;
    std::printf("%-36s %-60s compiled for CUDA\n", c.name, text.c_str());
  }
  llvm::sys::fs::remove_directories(dir);
}

INSTANTIATE_TEST_SUITE_P(Families, GpuScheduleTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case> &info) {
                           return std::string(info.param.name);
                         });

/// The check that keeps GPU kernels on the GPU finds a stage left on the
/// host, by name, and passes the same pipeline once that stage has GPU loops.
TEST(GpuPlacement, FindsAStageComputedOnTheHost) {
  Halide::ImageParam input(Halide::Float(32), 1, "input");
  Halide::Var x("x"), block("block"), thread("thread");
  Halide::Func stage("host_stage"), result("result");
  stage(x) = input(x) * 2.0f;
  result(x) = stage(x) + 1.0f;
  result.gpu_tile(x, block, thread, 32);
  stage.compute_root();
  Halide::Target target = Halide::get_host_target()
                              .with_feature(Halide::Target::CUDA)
                              .with_feature(Halide::Target::NoRuntime);
  std::string found =
      cvc::halide::hostComputedBuffers(Halide::Pipeline(result).compile_to_module({input}, "f", target));
  EXPECT_NE(found.find("host_stage"), std::string::npos) << found;
  stage.gpu_tile(x, block, thread, 32);
  EXPECT_EQ(cvc::halide::hostComputedBuffers(
                Halide::Pipeline(result).compile_to_module({input}, "f", target)),
            "");
}

TEST(SchedulePointText, RoundTripsAndRefusesIllegalPoints) {
  cvc::halide::ScheduleSpace space;
  cvc::halide::ScheduleAlgorithm &gemm = space.addAlgorithm("gemm");
  gemm.add("vector", {4, 8, 16});
  gemm.add("parallel", {0, 1}, {"pixel_blocks", "channel_tiles"});
  gemm.constraint = [](const cvc::halide::SchedulePoint &p) -> std::string {
    return p.get("vector") == 4 && p.get("parallel") == 1 ? "narrow vectors split channels"
                                                           : "";
  };
  space.addAlgorithm("scalar");

  cvc::halide::SchedulePoint point("gemm");
  point.set("parallel", 1).set("vector", 8);
  EXPECT_EQ(space.format(point), "gemm vector=8 parallel=channel_tiles");
  std::string error;
  std::optional<cvc::halide::SchedulePoint> parsed =
      space.parse("gemm vector=8 parallel=channel_tiles", error);
  ASSERT_TRUE(parsed) << error;
  EXPECT_EQ(*parsed, point);
  EXPECT_TRUE(space.parse("scalar", error)) << error;

  EXPECT_FALSE(space.parse("gemm vector=12 parallel=channel_tiles", error));
  EXPECT_NE(error.find("vector=12"), std::string::npos) << error;
  EXPECT_FALSE(space.parse("gemm vector=8", error));
  EXPECT_NE(error.find("'parallel' is missing"), std::string::npos) << error;
  EXPECT_FALSE(space.parse("gemm vector=8 parallel=channel_tiles tiles=2", error));
  EXPECT_NE(error.find("no parameter 'tiles'"), std::string::npos) << error;
  EXPECT_FALSE(space.parse("gemm vector=4 parallel=channel_tiles", error));
  EXPECT_EQ(error, "narrow vectors split channels");
  EXPECT_FALSE(space.parse("winograd", error));
  EXPECT_NE(error.find("gemm, scalar"), std::string::npos) << error;

  // Enumeration respects the constraint: 3 x 2 grid points, one refused,
  // and the parameterless algorithm's one point.
  EXPECT_EQ(space.enumerate(100).size(), 6u);

  // A parameter added later, with the value its absence means: a point
  // written before it parses to that value, and one that names it keeps
  // its own; a point built in code must still hold it.
  space.algorithms[0].add("order", {0, 1}, {"rows", "blocks"}).absent = 1;
  parsed = space.parse("gemm vector=8 parallel=channel_tiles", error);
  ASSERT_TRUE(parsed) << error;
  EXPECT_EQ(parsed->get("order"), 1);
  parsed = space.parse("gemm vector=8 parallel=channel_tiles order=rows", error);
  ASSERT_TRUE(parsed) << error;
  EXPECT_EQ(parsed->get("order"), 0);
  EXPECT_NE(space.check(point).find("'order' is missing"), std::string::npos);
}

TEST(SchedulePointText, LoweringRefusesAnIllegalPointAtTheOp) {
  DialectRegistry registry;
  registry.insert<cv::CvDialect, func::FuncDialect>();
  cvc::halide::registerKernelInterfaces(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(kCases[0].mlir, &context);
  ASSERT_TRUE(module);
  Operation *conv = nullptr;
  module->walk([&](cv::Conv2DOp op) { conv = op; });
  std::string error;
  auto target = cvc::halide::resolveTarget(&context, "host", 0, error);
  ASSERT_TRUE(succeeded(target)) << error;
  cvc::halide::KernelContext kernelContext = cvc::halide::kernelContextFor(*target);
  cvc::halide::SchedulePoint point("direct");
  point.set("vector", 3).set("column_tiles", 1).set("channel_tile", 1).set("row_tile", 1);
  std::string message;
  ScopedDiagnosticHandler capture(&context, [&](Diagnostic &d) {
    message = d.str();
    return success();
  });
  EXPECT_TRUE(failed(cvc::halide::lowerOp(conv, kernelContext, &point)));
  EXPECT_NE(message.find("vector=3 is not legal"), std::string::npos) << message;
}

} // namespace

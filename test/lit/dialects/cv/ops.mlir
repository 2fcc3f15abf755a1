// RUN: cvc-opt %s | cvc-opt | FileCheck %s
// Round trip of every cv op through the printer and parser.

// CHECK-LABEL: func @lenet_layers
func.func @lenet_layers(%x: tensor<?x1x32x32xf32>) -> tensor<?x10xf32> {
  // CHECK: %[[W:.*]] = cv.constant dense<1.000000e+00> : tensor<6x1x5x5xf32>
  %w = cv.constant dense<1.0> : tensor<6x1x5x5xf32>
  %b = cv.constant dense<0.5> : tensor<6xf32>
  // CHECK: %[[C:.*]] = cv.conv2d %{{.*}}, %[[W]], %{{.*}} : (tensor<?x1x32x32xf32>, tensor<6x1x5x5xf32>, tensor<6xf32>) -> tensor<?x6x28x28xf32>
  %c = cv.conv2d %x, %w, %b : (tensor<?x1x32x32xf32>, tensor<6x1x5x5xf32>, tensor<6xf32>) -> tensor<?x6x28x28xf32>
  // CHECK: cv.tanh %[[C]] : tensor<?x6x28x28xf32>
  %t = cv.tanh %c : tensor<?x6x28x28xf32>
  // CHECK: cv.avg_pool2d %{{.*}} {count_include_pad = true, kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}
  %p = cv.avg_pool2d %t {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, count_include_pad = true} : (tensor<?x6x28x28xf32>) -> tensor<?x6x14x14xf32>
  // CHECK: cv.max_pool2d %{{.*}} {ceil_mode = true, kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>} : (tensor<?x6x14x14xf32>) -> tensor<?x6x7x7xf32>
  %m = cv.max_pool2d %p {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, ceil_mode = true} : (tensor<?x6x14x14xf32>) -> tensor<?x6x7x7xf32>
  // CHECK: cv.lrn %{{.*}} {bias = 2.000000e+00 : f32, size = 5 : i64} : tensor<?x6x7x7xf32>
  %l = cv.lrn %m {size = 5, alpha = 1.0e-4 : f32, beta = 0.75 : f32, bias = 2.0 : f32} : tensor<?x6x7x7xf32>
  // CHECK: cv.relu
  %r = cv.relu %l : tensor<?x6x7x7xf32>
  // CHECK: cv.sigmoid
  %s = cv.sigmoid %r : tensor<?x6x7x7xf32>
  // CHECK: cv.add %{{.*}}, %{{.*}} : (tensor<?x6x7x7xf32>, tensor<6x1x1xf32>) -> tensor<?x6x7x7xf32>
  %bias = cv.constant dense<0.25> : tensor<6x1x1xf32>
  %a = cv.add %s, %bias : (tensor<?x6x7x7xf32>, tensor<6x1x1xf32>) -> tensor<?x6x7x7xf32>
  // CHECK: cv.reshape %{{.*}} : (tensor<?x6x7x7xf32>) -> tensor<?x294xf32>
  %f = cv.reshape %a : (tensor<?x6x7x7xf32>) -> tensor<?x294xf32>
  %fw = cv.constant dense<0.01> : tensor<10x294xf32>
  // CHECK: cv.fully_connected %{{.*}}, %{{.*}} : (tensor<?x294xf32>, tensor<10x294xf32>) -> tensor<?x10xf32>
  %fc = cv.fully_connected %f, %fw : (tensor<?x294xf32>, tensor<10x294xf32>) -> tensor<?x10xf32>
  // CHECK: cv.softmax %{{.*}} {axis = 1 : i64} : tensor<?x10xf32>
  %sm = cv.softmax %fc {axis = 1} : tensor<?x10xf32>
  return %sm : tensor<?x10xf32>
}

// CHECK-LABEL: func @grouped_strided_dilated
func.func @grouped_strided_dilated(%x: tensor<2x4x11x11xf32>, %w: tensor<8x2x3x3xf32>) -> tensor<2x8x4x5xf32> {
  // CHECK: cv.conv2d %{{.*}}, %{{.*}} {dilations = array<i64: 2, 2>, groups = 2 : i64, pads = array<i64: 0, 1, 0, 1>, strides = array<i64: 2, 2>}
  %y = cv.conv2d %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 0, 1, 0, 1>, dilations = array<i64: 2, 2>, groups = 2} : (tensor<2x4x11x11xf32>, tensor<8x2x3x3xf32>) -> tensor<2x8x4x5xf32>
  return %y : tensor<2x8x4x5xf32>
}

// CHECK-LABEL: func @arithmetic_and_concat
func.func @arithmetic_and_concat(%a: tensor<?x4x5x5xf32>, %b: tensor<?x2x5x5xf32>, %s: tensor<4x1x1xf32>) -> tensor<?x6x5x5xf32> {
  // CHECK: cv.sub %{{.*}}, %{{.*}} : (tensor<?x4x5x5xf32>, tensor<4x1x1xf32>) -> tensor<?x4x5x5xf32>
  %0 = cv.sub %a, %s : (tensor<?x4x5x5xf32>, tensor<4x1x1xf32>) -> tensor<?x4x5x5xf32>
  // CHECK: cv.mul
  %1 = cv.mul %0, %s : (tensor<?x4x5x5xf32>, tensor<4x1x1xf32>) -> tensor<?x4x5x5xf32>
  // CHECK: cv.div
  %2 = cv.div %1, %s : (tensor<?x4x5x5xf32>, tensor<4x1x1xf32>) -> tensor<?x4x5x5xf32>
  // CHECK: cv.concat %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<?x4x5x5xf32>, tensor<?x2x5x5xf32>) -> tensor<?x6x5x5xf32>
  %3 = cv.concat %2, %b {axis = 1} : (tensor<?x4x5x5xf32>, tensor<?x2x5x5xf32>) -> tensor<?x6x5x5xf32>
  return %3 : tensor<?x6x5x5xf32>
}

// CHECK-LABEL: func @epilogues_and_batch_norm
func.func @epilogues_and_batch_norm(%x: tensor<?x8x4x4xf32>, %w: tensor<8x8x3x3xf32>, %m: tensor<8x8xf32>, %s: tensor<8xf32>) -> (tensor<?x8x4x4xf32>, tensor<?x8x16xf32>) {
  // CHECK: cv.batch_norm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 1.000000e-03 : f32}
  %n = cv.batch_norm %x, %s, %s, %s, %s {epsilon = 1.0e-3 : f32} : (tensor<?x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x8x4x4xf32>
  // CHECK: cv.conv2d %{{.*}}, %{{.*}}, %{{.*}} residual %{{.*}} {activation = #cv<activation clip>, activation_args = array<f32: 0.000000e+00, 6.000000e+00>, pads = array<i64: 1, 1, 1, 1>}
  %c = cv.conv2d %n, %w, %s residual %x {activation = #cv<activation clip>, activation_args = array<f32: 0.0, 6.0>, pads = array<i64: 1, 1, 1, 1>} : (tensor<?x8x4x4xf32>, tensor<8x8x3x3xf32>, tensor<8xf32>, tensor<?x8x4x4xf32>) -> tensor<?x8x4x4xf32>
  // CHECK: cv.reshape
  %f = cv.reshape %c : (tensor<?x8x4x4xf32>) -> tensor<?x8x16xf32>
  // CHECK: cv.matmul %{{.*}}, %{{.*}} {activation = #cv<activation sigmoid>} : (tensor<?x8x16xf32>, tensor<8x8xf32>) -> tensor<?x8x16xf32>
  %y = cv.matmul %f, %m {activation = #cv<activation sigmoid>} : (tensor<?x8x16xf32>, tensor<8x8xf32>) -> tensor<?x8x16xf32>
  return %c, %y : tensor<?x8x4x4xf32>, tensor<?x8x16xf32>
}

// CHECK-LABEL: func @dropout
func.func @dropout(%x: tensor<?x4096xf32>) -> tensor<?x4096xf32> {
  // CHECK: cv.dropout %{{.*}} {ratio = 2.500000e-01 : f32} : tensor<?x4096xf32>
  %y = cv.dropout %x {ratio = 0.25 : f32} : tensor<?x4096xf32>
  return %y : tensor<?x4096xf32>
}

// CHECK-LABEL: func @winograd_weights
func.func @winograd_weights(%w: tensor<2x32x3x3x16xf32>) -> (tensor<36x2x32x16xf32>, tensor<16x2x32x16xf32>) {
  // CHECK: cv.winograd_weights %{{.*}} : (tensor<2x32x3x3x16xf32>) -> tensor<36x2x32x16xf32>
  // CHECK: cv.winograd_weights %{{.*}} {tile = 2 : i64} : (tensor<2x32x3x3x16xf32>) -> tensor<16x2x32x16xf32>
  %u = cv.winograd_weights %w : (tensor<2x32x3x3x16xf32>) -> tensor<36x2x32x16xf32>
  %u2 = cv.winograd_weights %w {tile = 2 : i64} : (tensor<2x32x3x3x16xf32>) -> tensor<16x2x32x16xf32>
  return %u, %u2 : tensor<36x2x32x16xf32>, tensor<16x2x32x16xf32>
}

// CHECK-LABEL: func @winograd
func.func @winograd(%x: tensor<?x2x7x9x16xf32>, %u: tensor<36x1x32x16xf32>, %b: tensor<16xf32>) -> tensor<?x1x5x9x16xf32> {
  // CHECK: cv.conv2d_winograd %{{.*}}, %{{.*}}, %{{.*}} {pads = array<i64: 0, 1, 0, 1>} : (tensor<?x2x7x9x16xf32>, tensor<36x1x32x16xf32>, tensor<16xf32>) -> tensor<?x1x5x9x16xf32>
  %y = cv.conv2d_winograd %x, %u, %b {pads = array<i64: 0, 1, 0, 1>} : (tensor<?x2x7x9x16xf32>, tensor<36x1x32x16xf32>, tensor<16xf32>) -> tensor<?x1x5x9x16xf32>
  return %y : tensor<?x1x5x9x16xf32>
}

// Depthwise in NCHW[b]c, a padded last block and its end, and Swish.
// CHECK-LABEL: func @depthwise_padded_swish
func.func @depthwise_padded_swish(%x: tensor<?x24x9x9xf32>, %w: tensor<2x5x5x16xf32>, %b: tensor<32xf32>) -> tensor<?x24x5x5xf32> {
  // CHECK: %[[B:.*]] = cv.to_blocked %{{.*}} {block = 16 : i64} : (tensor<?x24x9x9xf32>) -> tensor<?x2x9x9x16xf32>
  %xb = cv.to_blocked %x {block = 16} : (tensor<?x24x9x9xf32>) -> tensor<?x2x9x9x16xf32>
  // CHECK: %[[D:.*]] = cv.depthwise_conv2d_blocked %[[B]], %{{.*}}, %{{.*}} {activation = #cv<activation swish>, pads = array<i64: 2, 2, 2, 2>, strides = array<i64: 2, 2>} : (tensor<?x2x9x9x16xf32>, tensor<2x5x5x16xf32>, tensor<32xf32>) -> tensor<?x2x5x5x16xf32>
  %d = cv.depthwise_conv2d_blocked %xb, %w, %b {activation = #cv<activation swish>, pads = array<i64: 2, 2, 2, 2>, strides = array<i64: 2, 2>} : (tensor<?x2x9x9x16xf32>, tensor<2x5x5x16xf32>, tensor<32xf32>) -> tensor<?x2x5x5x16xf32>
  // CHECK: %[[F:.*]] = cv.from_blocked %[[D]] {channels = 24 : i64} : (tensor<?x2x5x5x16xf32>) -> tensor<?x24x5x5xf32>
  %y = cv.from_blocked %d {channels = 24} : (tensor<?x2x5x5x16xf32>) -> tensor<?x24x5x5xf32>
  // CHECK: cv.swish %[[F]] : tensor<?x24x5x5xf32>
  %s = cv.swish %y : tensor<?x24x5x5xf32>
  return %s : tensor<?x24x5x5xf32>
}

// The channel-blocked convolution, from a blocked input and from an NCHW one.
// CHECK-LABEL: func @blocked_conv
func.func @blocked_conv(%x: tensor<?x3x8x8xf32>) -> tensor<?x32x4x4xf32> {
  %w1 = cv.constant dense<0.5> : tensor<2x3x3x3x16xf32>
  %w2 = cv.constant dense<0.5> : tensor<2x32x1x1x16xf32>
  // CHECK: %[[A:.*]] = cv.conv2d_blocked %{{.*}}, %{{.*}} {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<?x3x8x8xf32>, tensor<2x3x3x3x16xf32>) -> tensor<?x2x4x4x16xf32>
  %a = cv.conv2d_blocked %x, %w1 {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<?x3x8x8xf32>, tensor<2x3x3x3x16xf32>) -> tensor<?x2x4x4x16xf32>
  // CHECK: %[[B:.*]] = cv.conv2d_blocked %[[A]], %{{.*}} : (tensor<?x2x4x4x16xf32>, tensor<2x32x1x1x16xf32>) -> tensor<?x2x4x4x16xf32>
  %b = cv.conv2d_blocked %a, %w2 : (tensor<?x2x4x4x16xf32>, tensor<2x32x1x1x16xf32>) -> tensor<?x2x4x4x16xf32>
  // CHECK: cv.from_blocked %[[B]] : (tensor<?x2x4x4x16xf32>) -> tensor<?x32x4x4xf32>
  %y = cv.from_blocked %b : (tensor<?x2x4x4x16xf32>) -> tensor<?x32x4x4xf32>
  return %y : tensor<?x32x4x4xf32>
}

// CHECK-LABEL: func @hard_swish
func.func @hard_swish(%x: tensor<?x16x7x7xf32>) -> tensor<?x16x7x7xf32> {
  // CHECK: cv.hard_swish %{{.*}} : tensor<?x16x7x7xf32>
  %y = cv.hard_swish %x : tensor<?x16x7x7xf32>
  return %y : tensor<?x16x7x7xf32>
}

// The ops of decoders, detectors and attention-like blocks.
// CHECK-LABEL: func @decoder_ops
func.func @decoder_ops(%x: tensor<?x8x4x4xf32>, %w: tensor<8x4x3x3xf32>, %a: tensor<?x2x16x8xf32>, %b: tensor<8x16xf32>) -> (tensor<?x4x8x8xf32>, tensor<?x8x12x6xf32>, tensor<?x8x4x4xf32>, tensor<?x2x16x16xf32>, tensor<?x1x4x4xf32>) {
  // CHECK: cv.conv_transpose2d %{{.*}}, %{{.*}} {activation = #cv<activation gelu>, output_padding = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<?x8x4x4xf32>, tensor<8x4x3x3xf32>) -> tensor<?x4x8x8xf32>
  %t = cv.conv_transpose2d %x, %w {activation = #cv<activation gelu>, output_padding = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<?x8x4x4xf32>, tensor<8x4x3x3xf32>) -> tensor<?x4x8x8xf32>
  // CHECK: cv.resize %{{.*}} {coordinate_mode = 0 : i64, mode = 2 : i64, scales = array<f64: 3.000000e+00, 1.500000e+00>} : (tensor<?x8x4x4xf32>) -> tensor<?x8x12x6xf32>
  %r = cv.resize %x {mode = 2 : i64, coordinate_mode = 0 : i64, scales = array<f64: 3.0, 1.5>} : (tensor<?x8x4x4xf32>) -> tensor<?x8x12x6xf32>
  // CHECK: cv.compare %{{.*}}, %{{.*}} {kind = 2 : i64}
  // CHECK: cv.where
  %m = cv.compare %x, %x {kind = 2 : i64} : (tensor<?x8x4x4xf32>, tensor<?x8x4x4xf32>) -> tensor<?x8x4x4xf32>
  %e = cv.erf %x : tensor<?x8x4x4xf32>
  %g = cv.mish %e : tensor<?x8x4x4xf32>
  %s = cv.where %m, %g, %x : (tensor<?x8x4x4xf32>, tensor<?x8x4x4xf32>, tensor<?x8x4x4xf32>) -> tensor<?x8x4x4xf32>
  // CHECK: cv.batch_matmul %{{.*}}, %{{.*}} : (tensor<?x2x16x8xf32>, tensor<8x16xf32>) -> tensor<?x2x16x16xf32>
  %p = cv.batch_matmul %a, %b : (tensor<?x2x16x8xf32>, tensor<8x16xf32>) -> tensor<?x2x16x16xf32>
  // CHECK: cv.arg_reduce %{{.*}} {axis = 1 : i64, kind = 2 : i64} : (tensor<?x8x4x4xf32>) -> tensor<?x1x4x4xf32>
  %i = cv.arg_reduce %s {kind = 2 : i64, axis = 1 : i64} : (tensor<?x8x4x4xf32>) -> tensor<?x1x4x4xf32>
  return %t, %r, %s, %p, %i : tensor<?x4x8x8xf32>, tensor<?x8x12x6xf32>, tensor<?x8x4x4xf32>, tensor<?x2x16x16xf32>, tensor<?x1x4x4xf32>
}

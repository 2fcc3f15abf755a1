// RUN: cvc-opt --split-input-file --cv-fuse-epilogue %s | FileCheck %s

// CHECK-LABEL: func @conv_relu
func.func @conv_relu(%x: tensor<?x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<?x4x6x6xf32> {
  // CHECK: %[[C:.*]] = cv.conv2d %{{.*}}, %{{.*}} {activation = #cv<activation relu>}
  // CHECK-NOT: cv.relu
  // CHECK: return %[[C]]
  %c = cv.conv2d %x, %w : (tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<?x4x6x6xf32>
  %r = cv.relu %c : tensor<?x4x6x6xf32>
  return %r : tensor<?x4x6x6xf32>
}

// -----

// ReLU6 is a clip; its bounds travel as activation_args.
// CHECK-LABEL: func @conv_relu6
func.func @conv_relu6(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // CHECK: cv.conv2d %{{.*}}, %{{.*}} {activation = #cv<activation clip>, activation_args = array<f32: 0.000000e+00, 6.000000e+00>}
  // CHECK-NOT: cv.clip
  %c = cv.conv2d %x, %w : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  %r = cv.clip %c {min = 0.0 : f32, max = 6.0 : f32} : tensor<1x4x6x6xf32>
  return %r : tensor<1x4x6x6xf32>
}

// -----

// CHECK-LABEL: func @fc_activations
func.func @fc_activations(%x: tensor<?x16xf32>, %w: tensor<8x16xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>) {
  // CHECK: %[[A:.*]] = cv.fully_connected %{{.*}}, %{{.*}} {activation = #cv<activation relu>}
  // CHECK: %[[B:.*]] = cv.fully_connected %{{.*}}, %{{.*}} {activation = #cv<activation leaky_relu>, activation_args = array<f32: 1.000000e-01>}
  // CHECK: %[[C:.*]] = cv.fully_connected %{{.*}}, %{{.*}} {activation = #cv<activation tanh>}
  // CHECK: %[[D:.*]] = cv.fully_connected %{{.*}}, %{{.*}} {activation = #cv<activation sigmoid>}
  // CHECK: return %[[A]], %[[B]], %[[C]], %[[D]]
  %a = cv.fully_connected %x, %w : (tensor<?x16xf32>, tensor<8x16xf32>) -> tensor<?x8xf32>
  %ra = cv.relu %a : tensor<?x8xf32>
  %b = cv.fully_connected %x, %w : (tensor<?x16xf32>, tensor<8x16xf32>) -> tensor<?x8xf32>
  %rb = cv.leaky_relu %b {alpha = 0.1 : f32} : tensor<?x8xf32>
  %c = cv.fully_connected %x, %w : (tensor<?x16xf32>, tensor<8x16xf32>) -> tensor<?x8xf32>
  %rc = cv.tanh %c : tensor<?x8xf32>
  %d = cv.fully_connected %x, %w : (tensor<?x16xf32>, tensor<8x16xf32>) -> tensor<?x8xf32>
  %rd = cv.sigmoid %d : tensor<?x8xf32>
  return %ra, %rb, %rc, %rd : tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>
}

// -----

// ResNet's tail: conv, add the shortcut, relu — one op.
// CHECK-LABEL: func @residual_block
func.func @residual_block(%x: tensor<?x4x6x6xf32>, %w: tensor<4x4x3x3xf32>, %b: tensor<4xf32>) -> tensor<?x4x6x6xf32> {
  // CHECK: %[[C:.*]] = cv.conv2d %[[X:.*]], %{{.*}}, %{{.*}} residual %[[X]] {activation = #cv<activation relu>, pads = array<i64: 1, 1, 1, 1>}
  // CHECK-NOT: cv.add
  // CHECK-NOT: cv.relu
  // CHECK: return %[[C]]
  %c = cv.conv2d %x, %w, %b {pads = array<i64: 1, 1, 1, 1>} : (tensor<?x4x6x6xf32>, tensor<4x4x3x3xf32>, tensor<4xf32>) -> tensor<?x4x6x6xf32>
  %s = cv.add %x, %c : (tensor<?x4x6x6xf32>, tensor<?x4x6x6xf32>) -> tensor<?x4x6x6xf32>
  %r = cv.relu %s : tensor<?x4x6x6xf32>
  return %r : tensor<?x4x6x6xf32>
}

// -----

// The shortcut is computed after the main branch's convolution: the fused
// op is built at the add, where both are defined.
// CHECK-LABEL: func @residual_defined_later
func.func @residual_defined_later(%x: tensor<1x4x6x6xf32>, %w: tensor<4x4x1x1xf32>) -> tensor<1x4x6x6xf32> {
  // CHECK: %[[S:.*]] = cv.conv2d %{{.*}}, %{{.*}} {activation = #cv<activation relu>}
  // CHECK: %[[M:.*]] = cv.conv2d %{{.*}}, %{{.*}} residual %[[S]] :
  // CHECK: return %[[M]]
  %m = cv.conv2d %x, %w : (tensor<1x4x6x6xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x6x6xf32>
  %s = cv.conv2d %x, %w : (tensor<1x4x6x6xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x6x6xf32>
  %sr = cv.relu %s : tensor<1x4x6x6xf32>
  %y = cv.add %m, %sr : (tensor<1x4x6x6xf32>, tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32>
  return %y : tensor<1x4x6x6xf32>
}

// -----

// A per-channel constant added after a bias-free convolution is its bias.
// CHECK-LABEL: func @bias_add
func.func @bias_add(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // CHECK: %[[B:.*]] = cv.constant dense_resource<{{.*}}.bias> : tensor<4xf32>
  // CHECK: %[[C:.*]] = cv.conv2d %{{.*}}, %{{.*}}, %[[B]] : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>)
  // CHECK-NOT: cv.add
  // CHECK: return %[[C]]
  // CHECK: layer.bias: "0x400000000000803F000000400000404000008040"
  %k = cv.constant dense<[[[1.0]], [[2.0]], [[3.0]], [[4.0]]]> : tensor<4x1x1xf32>
  %c = cv.conv2d %x, %w : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  %y = cv.add %c, %k : (tensor<1x4x6x6xf32>, tensor<4x1x1xf32>) -> tensor<1x4x6x6xf32>
  return %y : tensor<1x4x6x6xf32>
}

// -----

// Left alone: the raw result has a second reader; the add comes after the
// activation; the addend varies over pixels; the addend broadcasts.
// CHECK-LABEL: func @left_alone
func.func @left_alone(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %p: tensor<1x4x1x1xf32>) -> (tensor<1x4x6x6xf32>, tensor<1x4x6x6xf32>, tensor<1x4x6x6xf32>, tensor<1x4x6x6xf32>, tensor<1x4x6x6xf32>) {
  // CHECK: %[[A:.*]] = cv.conv2d %{{.*}}, %{{.*}} : (
  // CHECK: %[[RA:.*]] = cv.relu %[[A]]
  %a = cv.conv2d %x, %w : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  %ra = cv.relu %a : tensor<1x4x6x6xf32>
  // CHECK: %[[B:.*]] = cv.conv2d %{{.*}}, %{{.*}} {activation = #cv<activation relu>}
  // CHECK: cv.add %[[B]], %[[A]]
  %b = cv.conv2d %x, %w : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  %rb = cv.relu %b : tensor<1x4x6x6xf32>
  %sb = cv.add %rb, %a : (tensor<1x4x6x6xf32>, tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32>
  // CHECK: %[[C:.*]] = cv.conv2d %{{.*}}, %{{.*}} : (
  // CHECK: cv.add %[[C]], %{{.*}} : (tensor<1x4x6x6xf32>, tensor<1x4x6x6xf32>)
  %k = cv.constant dense<1.0> : tensor<1x4x6x6xf32>
  %c = cv.conv2d %x, %w : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  %sc = cv.add %c, %k : (tensor<1x4x6x6xf32>, tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32>
  // CHECK: %[[D:.*]] = cv.conv2d %{{.*}}, %{{.*}} : (
  // CHECK: cv.add %[[D]], %{{.*}} : (tensor<1x4x6x6xf32>, tensor<1x4x1x1xf32>)
  %d = cv.conv2d %x, %w : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  %sd = cv.add %d, %p : (tensor<1x4x6x6xf32>, tensor<1x4x1x1xf32>) -> tensor<1x4x6x6xf32>
  return %ra, %sb, %sc, %sd, %a : tensor<1x4x6x6xf32>, tensor<1x4x6x6xf32>, tensor<1x4x6x6xf32>, tensor<1x4x6x6xf32>, tensor<1x4x6x6xf32>
}

// -----

// A ReLU after a pooling stays a separate op.
// CHECK-LABEL: func @pool_relu
func.func @pool_relu(%x: tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32> {
  // CHECK: cv.max_pool2d
  // CHECK: cv.relu
  %p = cv.max_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32>
  %r = cv.relu %p : tensor<1x3x4x4xf32>
  return %r : tensor<1x3x4x4xf32>
}

// -----

// Swish, hard swish and hard sigmoid are epilogues too.
// CHECK-LABEL: func @conv_swish
func.func @conv_swish(%x: tensor<?x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> (tensor<?x4x6x6xf32>, tensor<?x4x6x6xf32>) {
  // CHECK: cv.conv2d %{{.*}}, %{{.*}} {activation = #cv<activation swish>}
  // CHECK: cv.conv2d %{{.*}}, %{{.*}} {activation = #cv<activation hard_sigmoid>, activation_args = array<f32: 2.000000e-01, 5.000000e-01>}
  // CHECK-NOT: cv.swish
  // CHECK-NOT: cv.hard_sigmoid
  %c = cv.conv2d %x, %w : (tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<?x4x6x6xf32>
  %s = cv.swish %c : tensor<?x4x6x6xf32>
  %d = cv.conv2d %x, %w : (tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<?x4x6x6xf32>
  %h = cv.hard_sigmoid %d : tensor<?x4x6x6xf32>
  return %s, %h : tensor<?x4x6x6xf32>, tensor<?x4x6x6xf32>
}

// -----

// A product with a rank-2 right operand (a channels-last linear layer, as
// exporters write it: MatMul, Add, then the activation) becomes cv.linear,
// whose bias runs along the last dimension; a residual joins it too.
// CHECK-LABEL: func @linear_bias_gelu_residual
func.func @linear_bias_gelu_residual(%x: tensor<?x5x7x3xf32>, %w: tensor<3x4xf32>, %v: tensor<4x3xf32>) -> tensor<?x5x7x3xf32> {
  // CHECK: %[[B:.*]] = cv.constant dense_resource<{{.*}}.bias> : tensor<4xf32>
  // CHECK: %[[H:.*]] = cv.linear %{{.*}}, %{{.*}}, %[[B]] {activation = #cv<activation gelu>} : (tensor<?x5x7x3xf32>, tensor<3x4xf32>, tensor<4xf32>) -> tensor<?x5x7x4xf32>
  // CHECK: %[[Y:.*]] = cv.linear %[[H]], %{{.*}} residual %{{.*}} : (tensor<?x5x7x4xf32>, tensor<4x3xf32>, tensor<?x5x7x3xf32>) -> tensor<?x5x7x3xf32>
  // CHECK-NOT: cv.batch_matmul
  // CHECK-NOT: cv.add
  // CHECK-NOT: cv.gelu
  // CHECK: return %[[Y]]
  // CHECK: layer.bias: "0x400000000000803F000000400000404000008040"
  %b = cv.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %m = cv.batch_matmul %x, %w : (tensor<?x5x7x3xf32>, tensor<3x4xf32>) -> tensor<?x5x7x4xf32>
  %a = cv.add %m, %b : (tensor<?x5x7x4xf32>, tensor<4xf32>) -> tensor<?x5x7x4xf32>
  %g = cv.gelu %a : tensor<?x5x7x4xf32>
  %n = cv.batch_matmul %g, %v : (tensor<?x5x7x4xf32>, tensor<4x3xf32>) -> tensor<?x5x7x3xf32>
  %y = cv.add %x, %n : (tensor<?x5x7x3xf32>, tensor<?x5x7x3xf32>) -> tensor<?x5x7x3xf32>
  return %y : tensor<?x5x7x3xf32>
}

// -----

// Left alone: a batched right operand stays cv.batch_matmul; a constant
// that varies along the rows (not the last dimension) is no bias.
// CHECK-LABEL: func @linear_left_alone
func.func @linear_left_alone(%x: tensor<2x5x3xf32>, %r: tensor<2x3x4xf32>, %w: tensor<3x4xf32>) -> (tensor<2x5x4xf32>, tensor<2x5x4xf32>) {
  // CHECK: %[[A:.*]] = cv.batch_matmul %{{.*}}, %{{.*}} : (tensor<2x5x3xf32>, tensor<2x3x4xf32>)
  // CHECK: %[[RA:.*]] = cv.relu %[[A]]
  // CHECK: %[[B:.*]] = cv.linear %{{.*}}, %{{.*}} : (tensor<2x5x3xf32>, tensor<3x4xf32>) -> tensor<2x5x4xf32>
  // CHECK: %[[S:.*]] = cv.add %[[B]], %{{.*}} : (tensor<2x5x4xf32>, tensor<5x1xf32>)
  // CHECK: return %[[RA]], %[[S]]
  %k = cv.constant dense<[[1.0], [2.0], [3.0], [4.0], [5.0]]> : tensor<5x1xf32>
  %a = cv.batch_matmul %x, %r : (tensor<2x5x3xf32>, tensor<2x3x4xf32>) -> tensor<2x5x4xf32>
  %ra = cv.relu %a : tensor<2x5x4xf32>
  %b = cv.batch_matmul %x, %w : (tensor<2x5x3xf32>, tensor<3x4xf32>) -> tensor<2x5x4xf32>
  %s = cv.add %b, %k : (tensor<2x5x4xf32>, tensor<5x1xf32>) -> tensor<2x5x4xf32>
  return %ra, %s : tensor<2x5x4xf32>, tensor<2x5x4xf32>
}

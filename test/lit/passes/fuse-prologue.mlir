// RUN: cvc-opt --split-input-file --cv-fuse-prologue %s | FileCheck %s

// DenseNet's pre-activation: batch norm (scale, shift) and ReLU after a
// concat, before a 1x1 convolution, become its prologue.
// CHECK-LABEL: func @pre_activation
func.func @pre_activation(%x: tensor<?x2x8x8x4xf32>, %s: tensor<1x2x1x1x4xf32>, %t: tensor<1x2x1x1x4xf32>, %w: tensor<1x8x1x1x4xf32>) -> tensor<?x1x8x8x4xf32> {
  // CHECK-NOT: cv.mul
  // CHECK-NOT: cv.add
  // CHECK-NOT: cv.relu
  // CHECK: %[[Y:.*]] = cv.conv2d_blocked %arg0, %arg3 prologue_scale %arg1 prologue_shift %arg2 {activation = #cv<activation relu>, prologue_activation = #cv<activation relu>}
  // CHECK: return %[[Y]]
  %a = cv.mul %x, %s : (tensor<?x2x8x8x4xf32>, tensor<1x2x1x1x4xf32>) -> tensor<?x2x8x8x4xf32>
  %b = cv.add %t, %a : (tensor<1x2x1x1x4xf32>, tensor<?x2x8x8x4xf32>) -> tensor<?x2x8x8x4xf32>
  %r = cv.relu %b : tensor<?x2x8x8x4xf32>
  %y = cv.conv2d_blocked %r, %w {activation = #cv<activation relu>} : (tensor<?x2x8x8x4xf32>, tensor<1x8x1x1x4xf32>) -> tensor<?x1x8x8x4xf32>
  return %y : tensor<?x1x8x8x4xf32>
}

// -----

// Squeeze-and-excitation: a scale per image and channel before the
// projection; the input it scales is also read by another op, which is
// fine (only the product must be read by the convolution alone). A padded
// 3x3 convolution takes a ReLU alone. The fused op keeps the count of
// input channels its reduction reads.
// CHECK-LABEL: func @excitation_and_relu
func.func @excitation_and_relu(%x: tensor<2x2x8x8x4xf32>, %s: tensor<2x2x1x1x4xf32>, %w: tensor<1x8x1x1x4xf32>, %w3: tensor<1x8x3x3x4xf32>) -> (tensor<2x1x8x8x4xf32>, tensor<2x2x8x8x4xf32>, tensor<2x1x8x8x4xf32>) {
  // CHECK: cv.conv2d_blocked %arg0, %arg2 prologue_scale %arg1 {used_input_channels = 6 : i64} :
  // CHECK: cv.conv2d_blocked %arg0, %arg3 {pads = array<i64: 1, 1, 1, 1>, prologue_activation = #cv<activation relu>}
  %m = cv.mul %s, %x : (tensor<2x2x1x1x4xf32>, tensor<2x2x8x8x4xf32>) -> tensor<2x2x8x8x4xf32>
  %y = cv.conv2d_blocked %m, %w {used_input_channels = 6} : (tensor<2x2x8x8x4xf32>, tensor<1x8x1x1x4xf32>) -> tensor<2x1x8x8x4xf32>
  %p = cv.sigmoid %x : tensor<2x2x8x8x4xf32>
  %r = cv.relu %x : tensor<2x2x8x8x4xf32>
  %z = cv.conv2d_blocked %r, %w3 {pads = array<i64: 1, 1, 1, 1>} : (tensor<2x2x8x8x4xf32>, tensor<1x8x3x3x4xf32>) -> tensor<2x1x8x8x4xf32>
  return %y, %p, %z : tensor<2x1x8x8x4xf32>, tensor<2x2x8x8x4xf32>, tensor<2x1x8x8x4xf32>
}

// -----

// Left alone: a residual sum (not per channel), a ReLU read twice, a shift
// per image (only scales may be), and an NCHW first layer.
// CHECK-LABEL: func @left_alone
func.func @left_alone(%x: tensor<2x2x8x8x4xf32>, %y: tensor<2x2x8x8x4xf32>, %t: tensor<2x2x1x1x4xf32>, %w: tensor<1x8x1x1x4xf32>, %img: tensor<2x3x8x8xf32>, %w0: tensor<1x3x1x1x4xf32>) -> (tensor<2x1x8x8x4xf32>, tensor<2x1x8x8x4xf32>, tensor<2x2x8x8x4xf32>, tensor<2x1x8x8x4xf32>, tensor<2x1x8x8x4xf32>) {
  // CHECK-NOT: prologue
  %sum = cv.add %x, %y : (tensor<2x2x8x8x4xf32>, tensor<2x2x8x8x4xf32>) -> tensor<2x2x8x8x4xf32>
  %a = cv.conv2d_blocked %sum, %w : (tensor<2x2x8x8x4xf32>, tensor<1x8x1x1x4xf32>) -> tensor<2x1x8x8x4xf32>
  %r = cv.relu %y : tensor<2x2x8x8x4xf32>
  %b = cv.conv2d_blocked %r, %w : (tensor<2x2x8x8x4xf32>, tensor<1x8x1x1x4xf32>) -> tensor<2x1x8x8x4xf32>
  %shifted = cv.add %x, %t : (tensor<2x2x8x8x4xf32>, tensor<2x2x1x1x4xf32>) -> tensor<2x2x8x8x4xf32>
  %c = cv.conv2d_blocked %shifted, %w : (tensor<2x2x8x8x4xf32>, tensor<1x8x1x1x4xf32>) -> tensor<2x1x8x8x4xf32>
  %ri = cv.relu %img : tensor<2x3x8x8xf32>
  %d = cv.conv2d_blocked %ri, %w0 : (tensor<2x3x8x8xf32>, tensor<1x3x1x1x4xf32>) -> tensor<2x1x8x8x4xf32>
  return %a, %b, %r, %c, %d : tensor<2x1x8x8x4xf32>, tensor<2x1x8x8x4xf32>, tensor<2x2x8x8x4xf32>, tensor<2x1x8x8x4xf32>, tensor<2x1x8x8x4xf32>
}

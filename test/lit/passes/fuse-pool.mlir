// RUN: cvc-opt --split-input-file --cv-fuse-pool %s | FileCheck %s

// VGG's block ending: the 2x2/2 max pool joins the blocked convolution,
// which keeps the count of input channels its reduction reads.
// CHECK-LABEL: func @vgg_block
func.func @vgg_block(%x: tensor<?x1x8x8x4xf32>, %w: tensor<1x4x3x3x4xf32>) -> tensor<?x1x4x4x4xf32> {
  // CHECK: %[[Y:.*]] = cv.conv2d_blocked %{{.*}}, %{{.*}} {activation = #cv<activation relu>, max_pool = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, used_input_channels = 3 : i64} : (tensor<?x1x8x8x4xf32>, tensor<1x4x3x3x4xf32>) -> tensor<?x1x4x4x4xf32>
  // CHECK-NOT: cv.max_pool2d
  // CHECK: return %[[Y]]
  %c = cv.conv2d_blocked %x, %w {activation = #cv<activation relu>, pads = array<i64: 1, 1, 1, 1>, used_input_channels = 3} : (tensor<?x1x8x8x4xf32>, tensor<1x4x3x3x4xf32>) -> tensor<?x1x8x8x4xf32>
  %p = cv.max_pool2d %c {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<?x1x8x8x4xf32>) -> tensor<?x1x4x4x4xf32>
  return %p : tensor<?x1x4x4x4xf32>
}

// -----

// Left alone: overlapping windows (3x3/2), padding, a partial window kept
// by ceil_mode, a convolution read twice, and an NCHW convolution.
// CHECK-LABEL: func @left_alone
func.func @left_alone(%x: tensor<1x1x7x7x4xf32>, %w: tensor<1x4x1x1x4xf32>, %y: tensor<1x4x8x8xf32>, %k: tensor<4x4x1x1xf32>) -> (tensor<1x1x3x3x4xf32>, tensor<1x1x4x4x4xf32>, tensor<1x1x4x4x4xf32>, tensor<1x1x3x3x4xf32>, tensor<1x1x7x7x4xf32>, tensor<1x4x4x4xf32>) {
  // CHECK-COUNT-5: cv.max_pool2d
  // CHECK-NOT: max_pool = array
  %a = cv.conv2d_blocked %x, %w : (tensor<1x1x7x7x4xf32>, tensor<1x4x1x1x4xf32>) -> tensor<1x1x7x7x4xf32>
  %pa = cv.max_pool2d %a {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>} : (tensor<1x1x7x7x4xf32>) -> tensor<1x1x3x3x4xf32>
  %b = cv.conv2d_blocked %x, %w : (tensor<1x1x7x7x4xf32>, tensor<1x4x1x1x4xf32>) -> tensor<1x1x7x7x4xf32>
  %pb = cv.max_pool2d %b {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 0, 0>} : (tensor<1x1x7x7x4xf32>) -> tensor<1x1x4x4x4xf32>
  %c = cv.conv2d_blocked %x, %w : (tensor<1x1x7x7x4xf32>, tensor<1x4x1x1x4xf32>) -> tensor<1x1x7x7x4xf32>
  %pc = cv.max_pool2d %c {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, ceil_mode = true} : (tensor<1x1x7x7x4xf32>) -> tensor<1x1x4x4x4xf32>
  %d = cv.conv2d_blocked %x, %w : (tensor<1x1x7x7x4xf32>, tensor<1x4x1x1x4xf32>) -> tensor<1x1x7x7x4xf32>
  %pd = cv.max_pool2d %d {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x1x7x7x4xf32>) -> tensor<1x1x3x3x4xf32>
  %e = cv.conv2d %y, %k : (tensor<1x4x8x8xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x8x8xf32>
  %pe = cv.max_pool2d %e {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  return %pa, %pb, %pc, %pd, %d, %pe : tensor<1x1x3x3x4xf32>, tensor<1x1x4x4x4xf32>, tensor<1x1x4x4x4xf32>, tensor<1x1x3x3x4xf32>, tensor<1x1x7x7x4xf32>, tensor<1x4x4x4xf32>
}

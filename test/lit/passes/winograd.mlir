// RUN: cvc-opt --split-input-file --cv-winograd="tile=4" %s | FileCheck %s
// RUN: cvc-opt --split-input-file --cv-winograd="tile=2 min-size=2" %s | FileCheck %s --check-prefix=TILE2

// A padded 3x3 convolution with bias, residual and relu: the weights
// [M/b, C, 3, 3, b] stay a constant of that size, and cv.winograd_weights
// turns them into [36, M/b, C, b] (F(4x4, 3x3)) for the convolution; no
// transformed constant is made (model.so keeps the 3x3 filters, and the
// transform runs when a session is created). The epilogue and padding stay
// (tile = 4, the default, is not printed). With tile=2 the transform is
// [16, M/b, C, b].
// CHECK-LABEL: func @eligible
// TILE2-LABEL: func @eligible
func.func @eligible(%x: tensor<?x2x9x9x4xf32>, %r: tensor<?x1x9x9x4xf32>) -> tensor<?x1x9x9x4xf32> {
  // CHECK: %[[W:.*]] = cv.constant dense<5.000000e-01> : tensor<1x8x3x3x4xf32>
  // CHECK-NOT: cv.constant {{.*}}tensor<36x1x8x4xf32>
  // CHECK: %[[U:.*]] = cv.winograd_weights %[[W]] : (tensor<1x8x3x3x4xf32>) -> tensor<36x1x8x4xf32>
  // CHECK: %[[Y:.*]] = cv.conv2d_winograd %{{.*}}, %[[U]], %{{.*}} residual %{{.*}} {activation = #cv<activation relu>, pads = array<i64: 1, 1, 1, 1>} : (tensor<?x2x9x9x4xf32>, tensor<36x1x8x4xf32>, tensor<4xf32>, tensor<?x1x9x9x4xf32>) -> tensor<?x1x9x9x4xf32>
  // CHECK-NOT: cv.conv2d_blocked
  // CHECK: return %[[Y]]
  // TILE2: cv.winograd_weights %{{.*}} {tile = 2 : i64} : (tensor<1x8x3x3x4xf32>) -> tensor<16x1x8x4xf32>
  // TILE2: cv.conv2d_winograd {{.*}} {activation = #cv<activation relu>, pads = array<i64: 1, 1, 1, 1>, tile = 2 : i64} : (tensor<?x2x9x9x4xf32>, tensor<16x1x8x4xf32>
  %w = cv.constant dense<0.5> : tensor<1x8x3x3x4xf32>
  %b = cv.constant dense<0.25> : tensor<4xf32>
  %y = cv.conv2d_blocked %x, %w, %b residual %r {activation = #cv<activation relu>, pads = array<i64: 1, 1, 1, 1>} : (tensor<?x2x9x9x4xf32>, tensor<1x8x3x3x4xf32>, tensor<4xf32>, tensor<?x1x9x9x4xf32>) -> tensor<?x1x9x9x4xf32>
  return %y : tensor<?x1x9x9x4xf32>
}

// -----

// Weights in a resource blob (as the frontends make them, here elided) are
// not read by the pass: the filters stay where they are, and only the
// transform op is added.
// CHECK-LABEL: func @resource_weights
func.func @resource_weights(%x: tensor<1x1x8x8x16xf32>) -> tensor<1x1x8x8x16xf32> {
  // CHECK: %[[W:.*]] = cv.constant dense_resource<__elided__> : tensor<1x16x3x3x16xf32>
  // CHECK-NEXT: %[[U:.*]] = cv.winograd_weights %[[W]] : (tensor<1x16x3x3x16xf32>) -> tensor<36x1x16x16xf32>
  // CHECK-NEXT: cv.conv2d_winograd %{{.*}}, %[[U]] {pads
  // CHECK-NOT: dense_resource<{{.*}}winograd
  %w = cv.constant dense_resource<__elided__> : tensor<1x16x3x3x16xf32>
  %y = cv.conv2d_blocked %x, %w {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x1x8x8x16xf32>, tensor<1x16x3x3x16xf32>) -> tensor<1x1x8x8x16xf32>
  return %y : tensor<1x1x8x8x16xf32>
}

// -----

// Left alone: stride 2, a 1x1 window, dilation 2, a fused max pool, a map
// below min-size (4x4 < 5), weights that are not constant, and a plain NCHW
// convolution.
// CHECK-LABEL: func @left_alone
func.func @left_alone(%x: tensor<1x1x16x16x4xf32>, %s: tensor<1x1x4x4x4xf32>, %v: tensor<1x4x3x3x4xf32>, %n: tensor<1x4x16x16xf32>) -> (tensor<1x1x8x8x4xf32>, tensor<1x1x16x16x4xf32>, tensor<1x1x12x12x4xf32>, tensor<1x1x7x7x4xf32>, tensor<1x1x4x4x4xf32>, tensor<1x1x16x16x4xf32>, tensor<1x4x16x16xf32>) {
  // CHECK-NOT: cv.conv2d_winograd
  // CHECK-COUNT-6: cv.conv2d_blocked
  // CHECK: cv.conv2d %
  // CHECK-NOT: cv.conv2d_winograd
  %w = cv.constant dense<0.5> : tensor<1x4x3x3x4xf32>
  %w1 = cv.constant dense<0.5> : tensor<1x4x1x1x4xf32>
  %k = cv.constant dense<0.5> : tensor<4x4x3x3xf32>
  %a = cv.conv2d_blocked %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x1x16x16x4xf32>, tensor<1x4x3x3x4xf32>) -> tensor<1x1x8x8x4xf32>
  %b = cv.conv2d_blocked %x, %w1 : (tensor<1x1x16x16x4xf32>, tensor<1x4x1x1x4xf32>) -> tensor<1x1x16x16x4xf32>
  %c = cv.conv2d_blocked %x, %w {dilations = array<i64: 2, 2>} : (tensor<1x1x16x16x4xf32>, tensor<1x4x3x3x4xf32>) -> tensor<1x1x12x12x4xf32>
  %d = cv.conv2d_blocked %x, %w {max_pool = array<i64: 2, 2>} : (tensor<1x1x16x16x4xf32>, tensor<1x4x3x3x4xf32>) -> tensor<1x1x7x7x4xf32>
  %e = cv.conv2d_blocked %s, %w {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x1x4x4x4xf32>, tensor<1x4x3x3x4xf32>) -> tensor<1x1x4x4x4xf32>
  %f = cv.conv2d_blocked %x, %v {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x1x16x16x4xf32>, tensor<1x4x3x3x4xf32>) -> tensor<1x1x16x16x4xf32>
  %g = cv.conv2d %n, %k {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x16x16xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x16x16xf32>
  return %a, %b, %c, %d, %e, %f, %g : tensor<1x1x8x8x4xf32>, tensor<1x1x16x16x4xf32>, tensor<1x1x12x12x4xf32>, tensor<1x1x7x7x4xf32>, tensor<1x1x4x4x4xf32>, tensor<1x1x16x16x4xf32>, tensor<1x4x16x16xf32>
}

// -----

// Left alone: a first layer's blocked convolution, which reads the NCHW image.
// CHECK-LABEL: func @first_layer
func.func @first_layer(%x: tensor<1x3x16x16xf32>) -> tensor<1x1x16x16x16xf32> {
  // CHECK-NOT: cv.conv2d_winograd
  // CHECK: cv.conv2d_blocked
  %w = cv.constant dense<0.5> : tensor<1x3x3x3x16xf32>
  %y = cv.conv2d_blocked %x, %w {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x16x16xf32>, tensor<1x3x3x3x16xf32>) -> tensor<1x1x16x16x16xf32>
  return %y : tensor<1x1x16x16x16xf32>
}

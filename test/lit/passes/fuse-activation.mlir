// RUN: cvc-opt --split-input-file --cv-fuse-activation %s | FileCheck %s

// CHECK-LABEL: func @conv_relu
func.func @conv_relu(%x: tensor<?x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<?x4x6x6xf32> {
  // CHECK: %[[C:.*]] = cv.conv2d %{{.*}}, %{{.*}} {fused_relu = true}
  // CHECK-NOT: cv.relu
  // CHECK: return %[[C]]
  %c = cv.conv2d %x, %w : (tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<?x4x6x6xf32>
  %r = cv.relu %c : tensor<?x4x6x6xf32>
  return %r : tensor<?x4x6x6xf32>
}

// -----

// CHECK-LABEL: func @fc_relu
func.func @fc_relu(%x: tensor<?x16xf32>, %w: tensor<8x16xf32>) -> tensor<?x8xf32> {
  // CHECK: cv.fully_connected %{{.*}}, %{{.*}} {fused_relu = true}
  // CHECK-NOT: cv.relu
  %y = cv.fully_connected %x, %w : (tensor<?x16xf32>, tensor<8x16xf32>) -> tensor<?x8xf32>
  %r = cv.relu %y : tensor<?x8xf32>
  return %r : tensor<?x8xf32>
}

// -----

// The convolution's raw output is also returned: fusing would change it.
// CHECK-LABEL: func @conv_used_twice
func.func @conv_used_twice(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> (tensor<1x4x6x6xf32>, tensor<1x4x6x6xf32>) {
  // CHECK: %[[C:.*]] = cv.conv2d %{{.*}}, %{{.*}} : (
  // CHECK: %[[R:.*]] = cv.relu %[[C]]
  // CHECK: return %[[R]], %[[C]]
  %c = cv.conv2d %x, %w : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  %r = cv.relu %c : tensor<1x4x6x6xf32>
  return %r, %c : tensor<1x4x6x6xf32>, tensor<1x4x6x6xf32>
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

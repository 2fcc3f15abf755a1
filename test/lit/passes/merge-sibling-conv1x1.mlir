// RUN: cvc-opt --split-input-file --cv-merge-sibling-conv1x1 %s | FileCheck %s

// Two reduce convolutions of an Inception module: one 7-channel convolution,
// each branch reading its channel range. A missing bias becomes zeros.
// CHECK-LABEL: func @inception_reduces
func.func @inception_reduces(%x: tensor<?x4x5x5xf32>, %k3: tensor<2x3x3x3xf32>, %k5: tensor<2x4x3x3xf32>) -> (tensor<?x2x3x3xf32>, tensor<?x2x3x3xf32>) {
  // CHECK-DAG: %[[W:.*]] = cv.constant dense_resource<{{.*}}.merged> : tensor<7x4x1x1xf32>
  // CHECK-DAG: %[[B:.*]] = cv.constant dense_resource<{{.*}}.merged_bias> : tensor<7xf32>
  // CHECK: %[[M:.*]] = cv.conv2d %{{.*}}, %[[W]], %[[B]] {activation = #cv<activation relu>} : (tensor<?x4x5x5xf32>, tensor<7x4x1x1xf32>, tensor<7xf32>) -> tensor<?x7x5x5xf32>
  // CHECK: %[[A:.*]] = cv.slice %[[M]] {sizes = array<i64: -1, 3, 5, 5>, starts = array<i64: 0, 0, 0, 0>, steps = array<i64: 1, 1, 1, 1>}
  // CHECK: %[[C:.*]] = cv.slice %[[M]] {sizes = array<i64: -1, 4, 5, 5>, starts = array<i64: 0, 3, 0, 0>, steps = array<i64: 1, 1, 1, 1>}
  // CHECK: cv.conv2d %[[A]], %{{.*}}
  // CHECK: cv.conv2d %[[C]], %{{.*}}
  // CHECK: {{.*}}.merged_bias: "0x400000000000803F0000803F0000803F00000000000000000000000000000000"
  %wa = cv.constant dense<0.5> : tensor<3x4x1x1xf32>
  %ba = cv.constant dense<1.0> : tensor<3xf32>
  %wb = cv.constant dense<0.25> : tensor<4x4x1x1xf32>
  %a = cv.conv2d %x, %wa, %ba {activation = #cv<activation relu>} : (tensor<?x4x5x5xf32>, tensor<3x4x1x1xf32>, tensor<3xf32>) -> tensor<?x3x5x5xf32>
  %b = cv.conv2d %x, %wb {activation = #cv<activation relu>} : (tensor<?x4x5x5xf32>, tensor<4x4x1x1xf32>) -> tensor<?x4x5x5xf32>
  %ya = cv.conv2d %a, %k3 : (tensor<?x3x5x5xf32>, tensor<2x3x3x3xf32>) -> tensor<?x2x3x3xf32>
  %yb = cv.conv2d %b, %k5 : (tensor<?x4x5x5xf32>, tensor<2x4x3x3xf32>) -> tensor<?x2x3x3xf32>
  return %ya, %yb : tensor<?x2x3x3xf32>, tensor<?x2x3x3xf32>
}

// -----

// Left alone: siblings reading different tensors; different strides or
// activations; a 3x3; a branch feeding only a concat (it writes there in place).
// CHECK-LABEL: func @left_alone
func.func @left_alone(%x: tensor<1x4x4x4xf32>, %z: tensor<1x4x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x2x2xf32>, tensor<1x2x4x4xf32>, tensor<1x2x2x2xf32>, tensor<1x4x4x4xf32>) {
  // CHECK-NOT: cv.slice
  // CHECK-COUNT-7: cv.conv2d
  // CHECK-NOT: cv.slice
  %w = cv.constant dense<0.5> : tensor<2x4x1x1xf32>
  %k = cv.constant dense<0.5> : tensor<2x4x3x3xf32>
  %a = cv.conv2d %x, %w : (tensor<1x4x4x4xf32>, tensor<2x4x1x1xf32>) -> tensor<1x2x4x4xf32>
  %b = cv.conv2d %z, %w : (tensor<1x4x4x4xf32>, tensor<2x4x1x1xf32>) -> tensor<1x2x4x4xf32>
  %c = cv.conv2d %x, %w {strides = array<i64: 2, 2>} : (tensor<1x4x4x4xf32>, tensor<2x4x1x1xf32>) -> tensor<1x2x2x2xf32>
  %d = cv.conv2d %z, %w {activation = #cv<activation relu>} : (tensor<1x4x4x4xf32>, tensor<2x4x1x1xf32>) -> tensor<1x2x4x4xf32>
  %e = cv.conv2d %x, %k : (tensor<1x4x4x4xf32>, tensor<2x4x3x3xf32>) -> tensor<1x2x2x2xf32>
  %f = cv.conv2d %x, %w {activation = #cv<activation relu>} : (tensor<1x4x4x4xf32>, tensor<2x4x1x1xf32>) -> tensor<1x2x4x4xf32>
  %g = cv.conv2d %x, %w {activation = #cv<activation relu>} : (tensor<1x4x4x4xf32>, tensor<2x4x1x1xf32>) -> tensor<1x2x4x4xf32>
  %cat = cv.concat %f, %g {axis = 1} : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x4x4x4xf32>
  return %a, %b, %c, %d, %e, %cat : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x2x2xf32>, tensor<1x2x4x4xf32>, tensor<1x2x2x2xf32>, tensor<1x4x4x4xf32>
}

// RUN: cvc-opt --split-input-file --cv-conv1x1-to-matmul %s | FileCheck %s

// The bias and the fused epilogue move to the matmul; the residual is viewed
// as [N, M, H*W] like the result.
// CHECK-LABEL: func @pointwise
func.func @pointwise(%x: tensor<?x8x4x5xf32>, %w: tensor<16x8x1x1xf32>, %b: tensor<16xf32>, %r: tensor<?x16x4x5xf32>) -> tensor<?x16x4x5xf32> {
  // CHECK-DAG: %[[X:.*]] = cv.reshape %{{.*}} : (tensor<?x8x4x5xf32>) -> tensor<?x8x20xf32>
  // CHECK-DAG: %[[W:.*]] = cv.reshape %{{.*}} : (tensor<16x8x1x1xf32>) -> tensor<16x8xf32>
  // CHECK-DAG: %[[R:.*]] = cv.reshape %{{.*}} : (tensor<?x16x4x5xf32>) -> tensor<?x16x20xf32>
  // CHECK: %[[M:.*]] = cv.matmul %[[X]], %[[W]], %{{.*}} residual %[[R]] {activation = #cv<activation relu>} : (tensor<?x8x20xf32>, tensor<16x8xf32>, tensor<16xf32>, tensor<?x16x20xf32>) -> tensor<?x16x20xf32>
  // CHECK: %[[Y:.*]] = cv.reshape %[[M]] : (tensor<?x16x20xf32>) -> tensor<?x16x4x5xf32>
  // CHECK: return %[[Y]]
  %y = cv.conv2d %x, %w, %b residual %r {activation = #cv<activation relu>} : (tensor<?x8x4x5xf32>, tensor<16x8x1x1xf32>, tensor<16xf32>, tensor<?x16x4x5xf32>) -> tensor<?x16x4x5xf32>
  return %y : tensor<?x16x4x5xf32>
}

// -----

// Left alone: a strided 1x1 (ResNet's downsampling shortcut), a padded 1x1,
// a grouped 1x1 and a 3x3.
// CHECK-LABEL: func @left_alone
func.func @left_alone(%x: tensor<1x8x4x4xf32>, %w: tensor<8x8x1x1xf32>, %g: tensor<8x4x1x1xf32>, %k: tensor<8x8x3x3xf32>) -> (tensor<1x8x2x2xf32>, tensor<1x8x6x6xf32>, tensor<1x8x4x4xf32>, tensor<1x8x2x2xf32>) {
  // CHECK-NOT: cv.matmul
  // CHECK-COUNT-4: cv.conv2d
  // CHECK-NOT: cv.matmul
  %a = cv.conv2d %x, %w {strides = array<i64: 2, 2>} : (tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x2x2xf32>
  %b = cv.conv2d %x, %w {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x6x6xf32>
  %c = cv.conv2d %x, %g {groups = 2} : (tensor<1x8x4x4xf32>, tensor<8x4x1x1xf32>) -> tensor<1x8x4x4xf32>
  %d = cv.conv2d %x, %k : (tensor<1x8x4x4xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x2x2xf32>
  return %a, %b, %c, %d : tensor<1x8x2x2xf32>, tensor<1x8x6x6xf32>, tensor<1x8x4x4xf32>, tensor<1x8x2x2xf32>
}

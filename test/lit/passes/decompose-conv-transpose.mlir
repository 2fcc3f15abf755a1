// RUN: cvc-opt --split-input-file --cv-decompose-conv-transpose %s | FileCheck %s

// Stride 2, kernel 2, no pads: each of the four output phases is a 1x1
// convolution with one tap of the kernel (input and output channels
// swapped); their concat, viewed as [N, 2, 2, M, H, W], is transposed to
// [N, M, H, 2, W, 2] and viewed as the [N, M, 2H, 2W] result. The bias and
// the activation go to every phase.
// CHECK-LABEL: func @stride2_kernel2
func.func @stride2_kernel2(%x: tensor<?x8x4x4xf32>) -> tensor<?x4x8x8xf32> {
  // CHECK-COUNT-4: cv.conv2d %{{.*}}, %{{.*}}, %{{.*}} {activation = #cv<activation relu>} : (tensor<?x8x4x4xf32>, tensor<4x8x1x1xf32>, tensor<4xf32>) -> tensor<?x4x4x4xf32>
  // CHECK: %[[J:.*]] = cv.concat {{.*}} {axis = 1 : i64} : ({{.*}}) -> tensor<?x16x4x4xf32>
  // CHECK: %[[S:.*]] = cv.reshape %[[J]] : (tensor<?x16x4x4xf32>) -> tensor<?x2x2x4x4x4xf32>
  // CHECK: %[[T:.*]] = cv.transpose %[[S]] {perm = array<i64: 0, 3, 4, 1, 5, 2>} : (tensor<?x2x2x4x4x4xf32>) -> tensor<?x4x4x2x4x2xf32>
  // CHECK: %[[Y:.*]] = cv.reshape %[[T]] : (tensor<?x4x4x2x4x2xf32>) -> tensor<?x4x8x8xf32>
  // CHECK-NOT: cv.conv_transpose2d
  // CHECK: return %[[Y]]
  %w = cv.constant dense<0.5> : tensor<8x4x2x2xf32>
  %b = cv.constant dense<1.0> : tensor<4xf32>
  %y = cv.conv_transpose2d %x, %w, %b {strides = array<i64: 2, 2>, activation = #cv<activation relu>} : (tensor<?x8x4x4xf32>, tensor<8x4x2x2xf32>, tensor<4xf32>) -> tensor<?x4x8x8xf32>
  return %y : tensor<?x4x8x8xf32>
}

// -----

// Kernel 3, stride 2, pad 1 (output 2 * 5 - 1 = 9): phase 0 takes the middle
// tap (1x1-like, 1 row and column of taps), phase 1 the outer two, padded
// after by one; the phases cover 10 x 10, sliced to 9 x 9.
// CHECK-LABEL: func @stride2_kernel3_odd_output
func.func @stride2_kernel3_odd_output(%x: tensor<1x2x5x5xf32>) -> tensor<1x3x9x9xf32> {
  // CHECK: cv.conv2d %{{.*}}, %{{.*}} : (tensor<1x2x5x5xf32>, tensor<3x2x1x1xf32>) -> tensor<1x3x5x5xf32>
  // CHECK: cv.conv2d %{{.*}}, %{{.*}} {pads = array<i64: 0, 0, 0, 1>} : (tensor<1x2x5x5xf32>, tensor<3x2x1x2xf32>) -> tensor<1x3x5x5xf32>
  // CHECK: cv.conv2d %{{.*}}, %{{.*}} {pads = array<i64: 0, 0, 1, 0>} : (tensor<1x2x5x5xf32>, tensor<3x2x2x1xf32>) -> tensor<1x3x5x5xf32>
  // CHECK: cv.conv2d %{{.*}}, %{{.*}} {pads = array<i64: 0, 0, 1, 1>} : (tensor<1x2x5x5xf32>, tensor<3x2x2x2xf32>) -> tensor<1x3x5x5xf32>
  // CHECK: cv.slice %{{.*}} {sizes = array<i64: 1, 3, 9, 9>, starts = array<i64: 0, 0, 0, 0>, steps = array<i64: 1, 1, 1, 1>} : (tensor<1x3x10x10xf32>) -> tensor<1x3x9x9xf32>
  %w = cv.constant dense<0.5> : tensor<2x3x3x3xf32>
  %y = cv.conv_transpose2d %x, %w {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x2x5x5xf32>, tensor<2x3x3x3xf32>) -> tensor<1x3x9x9xf32>
  return %y : tensor<1x3x9x9xf32>
}

// -----

// Left to the direct kernel: a dilation, and weights that are not constant.
// CHECK-LABEL: func @left_alone
func.func @left_alone(%x: tensor<1x2x5x5xf32>, %v: tensor<2x3x3x3xf32>) -> (tensor<1x3x13x13xf32>, tensor<1x3x11x11xf32>) {
  // CHECK: cv.conv_transpose2d %{{.*}}, %{{.*}} {dilations = array<i64: 2, 2>
  // CHECK: cv.conv_transpose2d %{{.*}}, %{{.*}} {strides = array<i64: 2, 2>}
  // CHECK-NOT: cv.conv2d
  %w = cv.constant dense<0.5> : tensor<2x3x3x3xf32>
  %a = cv.conv_transpose2d %x, %w {dilations = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x2x5x5xf32>, tensor<2x3x3x3xf32>) -> tensor<1x3x13x13xf32>
  %b = cv.conv_transpose2d %x, %v {strides = array<i64: 2, 2>} : (tensor<1x2x5x5xf32>, tensor<2x3x3x3xf32>) -> tensor<1x3x11x11xf32>
  return %a, %b : tensor<1x3x13x13xf32>, tensor<1x3x11x11xf32>
}

// RUN: cvc-opt %s | cvc-opt | FileCheck %s

// The ops training adds print and parse back.
// CHECK-LABEL: func @gradients
func.func @gradients(%x: tensor<8x1x28x28xf32>, %w: tensor<6x1x5x5xf32>,
                     %dy: tensor<8x6x28x28xf32>, %p: tensor<8x6x14x14xf32>,
                     %z: tensor<8x10xf32>, %l: tensor<8xf32>, %s: tensor<1xf32>,
                     %c: tensor<1x6x1x1xf32>) {
  // CHECK: cv.conv2d_backward_input %{{.*}}, %{{.*}} {pads = array<i64: 2, 2, 2, 2>}
  %dx = cv.conv2d_backward_input %dy, %w {pads = array<i64: 2, 2, 2, 2>}
      : (tensor<8x6x28x28xf32>, tensor<6x1x5x5xf32>) -> tensor<8x1x28x28xf32>
  // CHECK: cv.conv2d_backward_weight
  %dw = cv.conv2d_backward_weight %x, %dy {pads = array<i64: 2, 2, 2, 2>}
      : (tensor<8x1x28x28xf32>, tensor<8x6x28x28xf32>) -> tensor<6x1x5x5xf32>
  // CHECK: cv.max_pool2d_backward
  %m = cv.max_pool2d_backward %dy, %p {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}
      : (tensor<8x6x28x28xf32>, tensor<8x6x14x14xf32>) -> tensor<8x6x28x28xf32>
  // CHECK: cv.avg_pool2d_backward
  %a = cv.avg_pool2d_backward %p {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}
      : (tensor<8x6x14x14xf32>) -> tensor<8x6x28x28xf32>
  // CHECK: cv.activation_backward %{{.*}}, %{{.*}} {activation = #cv<activation relu>}
  %r = cv.activation_backward %dy, %dy {activation = #cv<activation relu>} : tensor<8x6x28x28xf32>
  // CHECK: cv.softmax_cross_entropy %{{.*}}, %{{.*}} {label_smoothing = 1.000000e-01 : f32}
  %loss = cv.softmax_cross_entropy %z, %l {label_smoothing = 0.1 : f32}
      : (tensor<8x10xf32>, tensor<8xf32>) -> tensor<1xf32>
  // CHECK: cv.softmax_cross_entropy_backward
  %dz = cv.softmax_cross_entropy_backward %z, %l, %s
      : (tensor<8x10xf32>, tensor<8xf32>, tensor<1xf32>) -> tensor<8x10xf32>
  // CHECK: cv.expand
  %e = cv.expand %c : (tensor<1x6x1x1xf32>) -> tensor<8x6x28x28xf32>
  // CHECK: cv.lrn_backward %{{.*}}, %{{.*}} {bias = 2.000000e+00 : f32, size = 5 : i64}
  %lrn = cv.lrn_backward %dy, %dy {size = 5, alpha = 1.0e-4 : f32, beta = 0.75 : f32, bias = 2.0 : f32} : tensor<8x6x28x28xf32>
  // CHECK: cv.dropout_mask %{{.*}} {ratio = 5.000000e-01 : f32, seed = 3 : i64}
  %d = cv.dropout_mask %s {ratio = 0.5 : f32, seed = 3} : (tensor<1xf32>) -> tensor<8x10xf32>
  // CHECK: cv.dropout_mask %{{.*}}, %{{.*}} {ratio = 5.000000e-01 : f32, seed = 3 : i64} : (tensor<1xf32>, tensor<1xf32>) -> tensor<8x10xf32>
  %ro = cv.dropout_mask %s, %s {ratio = 0.5 : f32, seed = 3} : (tensor<1xf32>, tensor<1xf32>) -> tensor<8x10xf32>
  return
}

// RUN: cvc-opt %s --split-input-file --verify-diagnostics

func.func @conv_input_grad_shape(%dy: tensor<8x6x24x24xf32>, %w: tensor<6x1x5x5xf32>) {
  // expected-error@+1 {{the result gradient has shape [8,6,24,24] but the forward op implies [8,6,28,28]}}
  %dx = cv.conv2d_backward_input %dy, %w {pads = array<i64: 2, 2, 2, 2>}
      : (tensor<8x6x24x24xf32>, tensor<6x1x5x5xf32>) -> tensor<8x1x28x28xf32>
  return
}

// -----

func.func @conv_weight_grad_groups(%x: tensor<8x4x8x8xf32>, %dy: tensor<8x6x6x6xf32>) {
  // expected-error@+1 {{weight [6,3,3,3] with groups = 1 does not fit input [8,4,8,8]}}
  %dw = cv.conv2d_backward_weight %x, %dy
      : (tensor<8x4x8x8xf32>, tensor<8x6x6x6xf32>) -> tensor<6x3x3x3xf32>
  return
}

// -----

func.func @max_pool_grad_type(%x: tensor<8x6x28x28xf32>, %dy: tensor<8x6x14x14xf32>) {
  // expected-error@+1 {{the input gradient must have the input's type}}
  %dx = cv.max_pool2d_backward %x, %dy {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}
      : (tensor<8x6x28x28xf32>, tensor<8x6x14x14xf32>) -> tensor<8x6x27x27xf32>
  return
}

// -----

func.func @loss_labels(%z: tensor<8x10xf32>, %l: tensor<4xf32>) {
  // expected-error@+1 {{expects [8] labels, got [4]}}
  %loss = cv.softmax_cross_entropy %z, %l : (tensor<8x10xf32>, tensor<4xf32>) -> tensor<1xf32>
  return
}

// -----

func.func @loss_smoothing(%z: tensor<8x10xf32>, %l: tensor<8xf32>) {
  // expected-error@+1 {{label_smoothing must be in [0, 1), got 1}}
  %loss = cv.softmax_cross_entropy %z, %l {label_smoothing = 1.0 : f32}
      : (tensor<8x10xf32>, tensor<8xf32>) -> tensor<1xf32>
  return
}

// -----

func.func @clip_args(%y: tensor<4xf32>) {
  // expected-error@+1 {{activation 'clip' takes 2 activation_args, got 0}}
  %dx = cv.activation_backward %y, %y {activation = #cv<activation clip>} : tensor<4xf32>
  return
}

// -----

func.func @expand_shape(%x: tensor<1x6x2x1xf32>) {
  // expected-error@+1 {{cannot broadcast [1,6,2,1] to [8,6,28,28]}}
  %e = cv.expand %x : (tensor<1x6x2x1xf32>) -> tensor<8x6x28x28xf32>
  return
}

// -----

func.func @dropout_ratio(%s: tensor<1xf32>) {
  // expected-error@+1 {{ratio must be in [0, 1), got 1}}
  %m = cv.dropout_mask %s {ratio = 1.0 : f32, seed = 0} : (tensor<1xf32>) -> tensor<4x4xf32>
  return
}

// -----

func.func @dropout_offset_shape(%s: tensor<1xf32>, %o: tensor<2xf32>) {
  // expected-error@+1 {{the sample offset is a [1] tensor}}
  %m = cv.dropout_mask %s, %o {ratio = 0.5 : f32, seed = 0} : (tensor<1xf32>, tensor<2xf32>) -> tensor<4x4xf32>
  return
}

// RUN: cvc-opt %s --split-input-file --verify-diagnostics

func.func @conv_channels(%x: tensor<1x3x8x8xf32>, %w: tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error@+2 {{weight [4,2,3,3] expects 2 input channels with groups = 1, but the input [1,3,8,8] has 3}}
  // expected-error@+1 {{failed to infer returned types}}
  %y = cv.conv2d %x, %w : (tensor<1x3x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %y : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_groups(%x: tensor<1x4x8x8xf32>, %w: tensor<6x2x3x3xf32>) -> tensor<1x6x6x6xf32> {
  // expected-error@+2 {{input channels (4) and output channels (6) must both be divisible by groups (4)}}
  // expected-error@+1 {{failed to infer returned types}}
  %y = cv.conv2d %x, %w {groups = 4} : (tensor<1x4x8x8xf32>, tensor<6x2x3x3xf32>) -> tensor<1x6x6x6xf32>
  return %y : tensor<1x6x6x6xf32>
}

// -----

func.func @conv_window_too_big(%x: tensor<1x1x2x2xf32>, %w: tensor<1x1x3x3xf32>) -> tensor<1x1x1x1xf32> {
  // expected-error@+2 {{window of extent 3 does not fit input [1,1,2,2]}}
  // expected-error@+1 {{failed to infer returned types}}
  %y = cv.conv2d %x, %w : (tensor<1x1x2x2xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x1x1xf32>
  return %y : tensor<1x1x1x1xf32>
}

// -----

func.func @conv_bad_strides(%x: tensor<1x1x8x8xf32>, %w: tensor<1x1x3x3xf32>) -> tensor<1x1x6x6xf32> {
  // expected-error@+2 {{'strides' values must be >= 1, got [0,1]}}
  // expected-error@+1 {{failed to infer returned types}}
  %y = cv.conv2d %x, %w {strides = array<i64: 0, 1>} : (tensor<1x1x8x8xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x6x6xf32>
  return %y : tensor<1x1x6x6xf32>
}

// -----

func.func @conv_wrong_result(%x: tensor<1x1x8x8xf32>, %w: tensor<2x1x3x3xf32>) -> tensor<1x2x8x8xf32> {
  // expected-error@+2 {{failed to infer returned types}}
  // expected-error@+1 {{'cv.conv2d' op inferred type(s) 'tensor<1x2x6x6xf32>' are incompatible with return type(s) of operation 'tensor<1x2x8x8xf32>'}}
  %y = cv.conv2d %x, %w : (tensor<1x1x8x8xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x8x8xf32>
  return %y : tensor<1x2x8x8xf32>
}

// -----

func.func @conv_bias(%x: tensor<1x1x8x8xf32>, %w: tensor<2x1x3x3xf32>, %b: tensor<3xf32>) -> tensor<1x2x6x6xf32> {
  // expected-error@+2 {{bias must be a [2] tensor, got [3]}}
  // expected-error@+1 {{failed to infer returned types}}
  %y = cv.conv2d %x, %w, %b : (tensor<1x1x8x8xf32>, tensor<2x1x3x3xf32>, tensor<3xf32>) -> tensor<1x2x6x6xf32>
  return %y : tensor<1x2x6x6xf32>
}

// -----

func.func @pool_pad(%x: tensor<1x1x8x8xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error@+2 {{pads [2,2,2,2] must be smaller than the kernel [2,2]}}
  // expected-error@+1 {{failed to infer returned types}}
  %y = cv.max_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 2, 2, 2, 2>} : (tensor<1x1x8x8xf32>) -> tensor<1x1x4x4xf32>
  return %y : tensor<1x1x4x4xf32>
}

// -----

func.func @pool_rank(%x: tensor<8x8xf32>) -> tensor<4x4xf32> {
  // expected-error@+2 {{expects a rank-4 NCHW or rank-5 NCHW[b]c input}}
  // expected-error@+1 {{failed to infer returned types}}
  %y = cv.avg_pool2d %x {kernel = array<i64: 2, 2>} : (tensor<8x8xf32>) -> tensor<4x4xf32>
  return %y : tensor<4x4xf32>
}

// -----

func.func @fc_features(%x: tensor<?x400xf32>, %w: tensor<10x300xf32>) -> tensor<?x10xf32> {
  // expected-error@+2 {{input [?,400] has 400 features but weight [10,300] expects 300}}
  // expected-error@+1 {{failed to infer returned types}}
  %y = cv.fully_connected %x, %w : (tensor<?x400xf32>, tensor<10x300xf32>) -> tensor<?x10xf32>
  return %y : tensor<?x10xf32>
}

// -----

func.func @add_broadcast(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>) -> tensor<2x3xf32> {
  // expected-error@+2 {{shapes [2,3] and [4,3] are not broadcast-compatible}}
  // expected-error@+1 {{failed to infer returned types}}
  %y = cv.add %a, %b : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @reshape_count(%x: tensor<?x16x5x5xf32>) -> tensor<?x300xf32> {
  // expected-error@+1 {{cannot reshape [?,16,5,5] to [?,300]: element counts differ}}
  %y = cv.reshape %x : (tensor<?x16x5x5xf32>) -> tensor<?x300xf32>
  return %y : tensor<?x300xf32>
}

// -----

func.func @reshape_batch(%x: tensor<?x16x5x5xf32>) -> tensor<400xf32> {
  // expected-error@+1 {{a dynamic batch dimension must stay the leading dimension}}
  %y = cv.reshape %x : (tensor<?x16x5x5xf32>) -> tensor<400xf32>
  return %y : tensor<400xf32>
}

// -----

func.func @softmax_axis(%x: tensor<?x10xf32>) -> tensor<?x10xf32> {
  // expected-error@+1 {{'axis' 2 is out of range for rank 2}}
  %y = cv.softmax %x {axis = 2} : tensor<?x10xf32>
  return %y : tensor<?x10xf32>
}

// -----

func.func @lrn_size(%x: tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32> {
  // expected-error@+1 {{'size' must be >= 1, got 0}}
  %y = cv.lrn %x {size = 0} : tensor<1x8x4x4xf32>
  return %y : tensor<1x8x4x4xf32>
}

// -----

func.func @non_float(%x: tensor<1x8xi32>) -> tensor<1x8xi32> {
  // expected-error@+1 {{must be tensor of 32-bit float values}}
  %y = cv.relu %x : tensor<1x8xi32>
  return %y : tensor<1x8xi32>
}

// -----

func.func @concat_shapes(%a: tensor<1x4x5x5xf32>, %b: tensor<1x2x6x5xf32>) -> tensor<1x6x5x5xf32> {
  // expected-error@+2 {{operand shapes [1,4,5,5] and [1,2,6,5] differ outside axis 1}}
  // expected-error@+1 {{failed to infer returned types}}
  %y = cv.concat %a, %b {axis = 1} : (tensor<1x4x5x5xf32>, tensor<1x2x6x5xf32>) -> tensor<1x6x5x5xf32>
  return %y : tensor<1x6x5x5xf32>
}

// -----

func.func @residual_shape(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %r: tensor<1x4x8x8xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error@+1 {{residual 'tensor<1x4x8x8xf32>' must have the result's type 'tensor<1x4x6x6xf32>'}}
  %y = cv.conv2d %x, %w residual %r : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x6x6xf32>
  return %y : tensor<1x4x6x6xf32>
}

// -----

func.func @activation_args(%x: tensor<1x16xf32>, %w: tensor<8x16xf32>) -> tensor<1x8xf32> {
  // expected-error@+1 {{activation 'clip' takes 2 activation_args, got 1}}
  %y = cv.fully_connected %x, %w {activation = #cv<activation clip>, activation_args = array<f32: 6.0>} : (tensor<1x16xf32>, tensor<8x16xf32>) -> tensor<1x8xf32>
  return %y : tensor<1x8xf32>
}

// -----

func.func @matmul_k(%x: tensor<1x8x16xf32>, %w: tensor<4x6xf32>) -> tensor<1x4x16xf32> {
  // expected-error@+2 {{input [1,8,16] has K = 8 but weight [4,6] expects 6}}
  // expected-error@+1 {{failed to infer returned types}}
  %y = cv.matmul %x, %w : (tensor<1x8x16xf32>, tensor<4x6xf32>) -> tensor<1x4x16xf32>
  return %y : tensor<1x4x16xf32>
}

// -----

func.func @batch_norm_stats(%x: tensor<1x4x2x2xf32>, %s: tensor<3xf32>) -> tensor<1x4x2x2xf32> {
  // expected-error@+1 {{scale, bias, mean and variance must be [4] tensors, got [3]}}
  %y = cv.batch_norm %x, %s, %s, %s, %s : (tensor<1x4x2x2xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<1x4x2x2xf32>
  return %y : tensor<1x4x2x2xf32>
}

// -----

func.func @dropout_ratio(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  // expected-error@+1 {{ratio 1.000000e+00 must be in [0, 1)}}
  %y = cv.dropout %x {ratio = 1.0 : f32} : tensor<1x8xf32>
  return %y : tensor<1x8xf32>
}

// -----

func.func @winograd_tile(%x: tensor<1x1x8x8x4xf32>, %u: tensor<81x1x4x4xf32>) -> tensor<1x1x6x6x4xf32> {
  // expected-error@+2 {{'tile' must be in [2, 6], got 7}}
  // expected-error@+1 {{failed to infer returned types}}
  %y = cv.conv2d_winograd %x, %u {tile = 7} : (tensor<1x1x8x8x4xf32>, tensor<81x1x4x4xf32>) -> tensor<1x1x6x6x4xf32>
  return %y : tensor<1x1x6x6x4xf32>
}

// -----

func.func @winograd_weights_window(%w: tensor<1x4x5x5x4xf32>) -> tensor<36x1x4x4xf32> {
  // expected-error@+2 {{expects static blocked 3x3 filters [M/b, C, 3, 3, b], got [1,4,5,5,4]}}
  // expected-error@+1 {{failed to infer returned types}}
  %u = cv.winograd_weights %w : (tensor<1x4x5x5x4xf32>) -> tensor<36x1x4x4xf32>
  return %u : tensor<36x1x4x4xf32>
}

// -----

func.func @winograd_weights_tile(%w: tensor<1x4x3x3x4xf32>) -> tensor<81x1x4x4xf32> {
  // expected-error@+2 {{'tile' must be in [2, 6], got 7}}
  // expected-error@+1 {{failed to infer returned types}}
  %u = cv.winograd_weights %w {tile = 7 : i64} : (tensor<1x4x3x3x4xf32>) -> tensor<81x1x4x4xf32>
  return %u : tensor<81x1x4x4xf32>
}

// -----

func.func @winograd_weights_result(%w: tensor<1x4x3x3x4xf32>) -> tensor<36x4x1x4xf32> {
  // expected-error@+2 {{failed to infer returned types}}
  // expected-error@+1 {{'cv.winograd_weights' op inferred type(s) 'tensor<36x1x4x4xf32>' are incompatible with return type(s) of operation 'tensor<36x4x1x4xf32>'}}
  %u = cv.winograd_weights %w : (tensor<1x4x3x3x4xf32>) -> tensor<36x4x1x4xf32>
  return %u : tensor<36x4x1x4xf32>
}

// -----

func.func @blocked_conv_nchw_channels(%x: tensor<1x3x8x8xf32>, %w: tensor<2x4x3x3x16xf32>) -> tensor<1x2x6x6x16xf32> {
  // expected-error@+2 {{weight [2,4,3,3,16] does not match the NCHW input [1,3,8,8]}}
  // expected-error@+1 {{failed to infer returned types}}
  %y = cv.conv2d_blocked %x, %w : (tensor<1x3x8x8xf32>, tensor<2x4x3x3x16xf32>) -> tensor<1x2x6x6x16xf32>
  return %y : tensor<1x2x6x6x16xf32>
}

// -----

func.func @winograd_weight(%x: tensor<1x1x8x8x4xf32>, %u: tensor<16x1x4x4xf32>) -> tensor<1x1x6x6x4xf32> {
  // expected-error@+2 {{weight [16,1,4,4] is not the [36, M/b, 4, 4] transform of a filter for the blocked input [1,1,8,8,4] with tile 4}}
  // expected-error@+1 {{failed to infer returned types}}
  %y = cv.conv2d_winograd %x, %u : (tensor<1x1x8x8x4xf32>, tensor<16x1x4x4xf32>) -> tensor<1x1x6x6x4xf32>
  return %y : tensor<1x1x6x6x4xf32>
}

// -----

func.func @blocked_conv_block(%x: tensor<1x2x8x8x8xf32>, %w: tensor<2x16x3x3x16xf32>) -> tensor<1x2x6x6x16xf32> {
  // expected-error@+2 {{weight [2,16,3,3,16] does not match the blocked input [1,2,8,8,8]}}
  // expected-error@+1 {{failed to infer returned types}}
  %y = cv.conv2d_blocked %x, %w : (tensor<1x2x8x8x8xf32>, tensor<2x16x3x3x16xf32>) -> tensor<1x2x6x6x16xf32>
  return %y : tensor<1x2x6x6x16xf32>
}

// -----

func.func @blocked_conv_groups_split_a_block(%x: tensor<1x3x8x8x16xf32>, %w: tensor<2x24x3x3x16xf32>) -> tensor<1x2x6x6x16xf32> {
  // expected-error@+2 {{'groups' (2) must divide the input and output channel blocks of a blocked input}}
  // expected-error@+1 {{failed to infer returned types}}
  %y = cv.conv2d_blocked %x, %w {groups = 2} : (tensor<1x3x8x8x16xf32>, tensor<2x24x3x3x16xf32>) -> tensor<1x2x6x6x16xf32>
  return %y : tensor<1x2x6x6x16xf32>
}

// -----

func.func @blocked_conv_group_channels(%x: tensor<1x4x8x8x16xf32>, %w: tensor<2x64x3x3x16xf32>) -> tensor<1x2x6x6x16xf32> {
  // expected-error@+2 {{weight [2,64,3,3,16] does not match the blocked input [1,4,8,8,16] in 2 group(s)}}
  // expected-error@+1 {{failed to infer returned types}}
  %y = cv.conv2d_blocked %x, %w {groups = 2} : (tensor<1x4x8x8x16xf32>, tensor<2x64x3x3x16xf32>) -> tensor<1x2x6x6x16xf32>
  return %y : tensor<1x2x6x6x16xf32>
}

// -----

func.func @blocked_conv_used_channels_past_input(%x: tensor<1x2x8x8x16xf32>, %w: tensor<2x32x3x3x16xf32>) -> tensor<1x2x6x6x16xf32> {
  // expected-error@+2 {{'used_input_channels' (33) needs a blocked input in one group and must lie in [1, 32]}}
  // expected-error@+1 {{failed to infer returned types}}
  %y = cv.conv2d_blocked %x, %w {used_input_channels = 33} : (tensor<1x2x8x8x16xf32>, tensor<2x32x3x3x16xf32>) -> tensor<1x2x6x6x16xf32>
  return %y : tensor<1x2x6x6x16xf32>
}

// -----

func.func @blocked_conv_used_channels_nchw(%x: tensor<1x3x8x8xf32>, %w: tensor<2x3x3x3x16xf32>) -> tensor<1x2x6x6x16xf32> {
  // expected-error@+2 {{'used_input_channels' (2) needs a blocked input in one group and must lie in [1, 3]}}
  // expected-error@+1 {{failed to infer returned types}}
  %y = cv.conv2d_blocked %x, %w {used_input_channels = 2} : (tensor<1x3x8x8xf32>, tensor<2x3x3x3x16xf32>) -> tensor<1x2x6x6x16xf32>
  return %y : tensor<1x2x6x6x16xf32>
}

// -----

func.func @depthwise_weight(%x: tensor<1x2x8x8x16xf32>, %w: tensor<1x3x3x16xf32>) -> tensor<1x2x6x6x16xf32> {
  // expected-error@+2 {{weight [1,3,3,16] does not hold one window per channel of the input [1,2,8,8,16]}}
  // expected-error@+1 {{failed to infer returned types}}
  %y = cv.depthwise_conv2d_blocked %x, %w : (tensor<1x2x8x8x16xf32>, tensor<1x3x3x16xf32>) -> tensor<1x2x6x6x16xf32>
  return %y : tensor<1x2x6x6x16xf32>
}

// -----

func.func @from_blocked_channels(%x: tensor<1x2x8x8x16xf32>) -> tensor<1x8x8x8xf32> {
  // expected-error@+2 {{'channels' (8) must leave less than one block of padding in [1,2,8,8,16]}}
  // expected-error@+1 {{failed to infer returned types}}
  %y = cv.from_blocked %x {channels = 8} : (tensor<1x2x8x8x16xf32>) -> tensor<1x8x8x8xf32>
  return %y : tensor<1x8x8x8xf32>
}

// -----

func.func @activation_backward_swish(%y: tensor<4xf32>, %dy: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{activation 'swish' has no derivative determined by its result alone}}
  %dx = cv.activation_backward %y, %dy {activation = #cv<activation swish>} : tensor<4xf32>
  return %dx : tensor<4xf32>
}

// -----

func.func @conv_transpose_output_padding(%x: tensor<1x4x5x5xf32>, %w: tensor<4x2x3x3xf32>) -> tensor<1x2x12x12xf32> {
  // expected-error@+2 {{'output_padding' 2 must be below the stride (2) or the dilation (1)}}
  // expected-error@+1 {{failed to infer returned types}}
  %y = cv.conv_transpose2d %x, %w {strides = array<i64: 2, 2>, output_padding = array<i64: 2, 2>} : (tensor<1x4x5x5xf32>, tensor<4x2x3x3xf32>) -> tensor<1x2x12x12xf32>
  return %y : tensor<1x2x12x12xf32>
}

// -----

func.func @resize_channels(%x: tensor<1x4x5x5xf32>) -> tensor<1x8x10x10xf32> {
  // expected-error@+1 {{resizes only the spatial dimensions}}
  %y = cv.resize %x {mode = 0 : i64, coordinate_mode = 3 : i64, scales = array<f64: 2.0, 2.0>} : (tensor<1x4x5x5xf32>) -> tensor<1x8x10x10xf32>
  return %y : tensor<1x8x10x10xf32>
}

// -----

func.func @resize_backward_cubic(%dy: tensor<1x4x10x10xf32>) -> tensor<1x4x5x5xf32> {
  // expected-error@+1 {{has no gradient for cubic interpolation}}
  %dx = cv.resize_backward %dy {mode = 2 : i64, coordinate_mode = 0 : i64, scales = array<f64: 2.0, 2.0>} : (tensor<1x4x10x10xf32>) -> tensor<1x4x5x5xf32>
  return %dx : tensor<1x4x5x5xf32>
}

// -----

func.func @batch_matmul_k(%a: tensor<2x3x4xf32>, %b: tensor<5x6xf32>) -> tensor<2x3x6xf32> {
  // expected-error@+2 {{do not multiply}}
  // expected-error@+1 {{failed to infer returned types}}
  %y = cv.batch_matmul %a, %b : (tensor<2x3x4xf32>, tensor<5x6xf32>) -> tensor<2x3x6xf32>
  return %y : tensor<2x3x6xf32>
}

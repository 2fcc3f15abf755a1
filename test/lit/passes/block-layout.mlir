// RUN: cvc-opt --split-input-file --cv-block-layout="block=2" %s | FileCheck %s

// A blocked region: one conversion in, one out. The weights are re-laid out
// as [M/b, C, kh, kw, b]: W[m, c] = 10 m + c becomes 0 10 1 11 20 30 21 31.
// Elementwise ops, poolings and channel concats run blocked in between.
// CHECK-LABEL: func @region
func.func @region(%x: tensor<?x2x4x4xf32>) -> tensor<?x8x2x2xf32> {
  // CHECK: %[[B:.*]] = cv.to_blocked %{{.*}} {block = 2 : i64} : (tensor<?x2x4x4xf32>) -> tensor<?x1x4x4x2xf32>
  // CHECK: %[[C:.*]] = cv.conv2d_blocked %[[B]], %{{.*}} : (tensor<?x1x4x4x2xf32>, tensor<2x2x1x1x2xf32>) -> tensor<?x2x4x4x2xf32>
  // CHECK: %[[R:.*]] = cv.relu %[[C]] : tensor<?x2x4x4x2xf32>
  // CHECK: %[[D:.*]] = cv.conv2d_blocked %[[R]], %{{.*}} {activation = #cv<activation relu>, pads = array<i64: 1, 1, 1, 1>} : (tensor<?x2x4x4x2xf32>, tensor<2x4x3x3x2xf32>) -> tensor<?x2x4x4x2xf32>
  // CHECK: %[[S:.*]] = cv.add %[[D]], %[[R]] : (tensor<?x2x4x4x2xf32>, tensor<?x2x4x4x2xf32>) -> tensor<?x2x4x4x2xf32>
  // CHECK: %[[J:.*]] = cv.concat %[[S]], %[[R]] {axis = 1 : i64} : (tensor<?x2x4x4x2xf32>, tensor<?x2x4x4x2xf32>) -> tensor<?x4x4x4x2xf32>
  // CHECK: %[[P:.*]] = cv.max_pool2d %[[J]] {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<?x4x4x4x2xf32>) -> tensor<?x4x2x2x2xf32>
  // CHECK: %[[Y:.*]] = cv.from_blocked %[[P]] : (tensor<?x4x2x2x2xf32>) -> tensor<?x8x2x2xf32>
  // CHECK: return %[[Y]]
  // CHECK: conv.blocked{{.*}}: "0x4000000000000000000020410000803F000030410000A0410000F0410000A8410000F841"
  %w = cv.constant dense<[[[[0.0]], [[1.0]]], [[[10.0]], [[11.0]]], [[[20.0]], [[21.0]]], [[[30.0]], [[31.0]]]]> : tensor<4x2x1x1xf32>
  %k = cv.constant dense<0.5> : tensor<4x4x3x3xf32>
  %c = cv.conv2d %x, %w : (tensor<?x2x4x4xf32>, tensor<4x2x1x1xf32>) -> tensor<?x4x4x4xf32>
  %r = cv.relu %c : tensor<?x4x4x4xf32>
  %d = cv.conv2d %r, %k {activation = #cv<activation relu>, pads = array<i64: 1, 1, 1, 1>} : (tensor<?x4x4x4xf32>, tensor<4x4x3x3xf32>) -> tensor<?x4x4x4xf32>
  %s = cv.add %d, %r : (tensor<?x4x4x4xf32>, tensor<?x4x4x4xf32>) -> tensor<?x4x4x4xf32>
  %j = cv.concat %s, %r {axis = 1} : (tensor<?x4x4x4xf32>, tensor<?x4x4x4xf32>) -> tensor<?x8x4x4xf32>
  %p = cv.max_pool2d %j {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<?x8x4x4xf32>) -> tensor<?x8x2x2xf32>
  return %p : tensor<?x8x2x2xf32>
}

// -----

// Left alone: fewer output channels than a block, a grouped convolution
// whose groups (two input channels, one output each) are not whole blocks,
// and an add that broadcasts along the pixels.
// CHECK-LABEL: func @left_alone
func.func @left_alone(%x: tensor<1x4x4x4xf32>, %y: tensor<1x8x4x4xf32>, %s: tensor<1x1x4x1xf32>) -> (tensor<1x1x4x4xf32>, tensor<1x4x4x4xf32>) {
  // CHECK: cv.conv2d %{{.*}}, %{{.*}} : (tensor<1x4x4x4xf32>, tensor<1x4x1x1xf32>)
  // CHECK: cv.conv2d %{{.*}}, %{{.*}} {groups = 4 : i64} : (tensor<1x8x4x4xf32>, tensor<4x2x1x1xf32>)
  // CHECK: cv.add %{{.*}}, %{{.*}} : (tensor<1x4x4x4xf32>, tensor<1x1x4x1xf32>)
  // CHECK-NOT: blocked
  %w = cv.constant dense<0.5> : tensor<1x4x1x1xf32>
  %g = cv.constant dense<0.5> : tensor<4x2x1x1xf32>
  %a = cv.conv2d %x, %w : (tensor<1x4x4x4xf32>, tensor<1x4x1x1xf32>) -> tensor<1x1x4x4xf32>
  %b = cv.conv2d %y, %g {groups = 4} : (tensor<1x8x4x4xf32>, tensor<4x2x1x1xf32>) -> tensor<1x4x4x4xf32>
  %c = cv.add %b, %s : (tensor<1x4x4x4xf32>, tensor<1x1x4x1xf32>) -> tensor<1x4x4x4xf32>
  return %a, %c : tensor<1x1x4x4xf32>, tensor<1x4x4x4xf32>
}

// -----

// Groups of whole blocks (AlexNet's two halves) run blocked, and the weights
// keep one group's input channels, [M/b, C/groups, kh, kw, b]:
// W[m, c] = 10 m + c becomes 0 10 1 11, 20 30 21 31, then group 1's 40 50 ...
// CHECK-LABEL: func @grouped
func.func @grouped(%x: tensor<?x4x4x4xf32>) -> tensor<?x8x4x4xf32> {
  // CHECK: %[[B:.*]] = cv.to_blocked
  // CHECK: cv.conv2d_blocked %[[B]], %{{.*}} {groups = 2 : i64} : (tensor<?x2x4x4x2xf32>, tensor<4x2x1x1x2xf32>) -> tensor<?x4x4x4x2xf32>
  // CHECK: conv.blocked{{.*}}: "0x4000000000000000000020410000803F000030410000A0410000F0410000A8410000F84100002042000048420000244200004C42
  %w = cv.constant dense<[[[[0.0]], [[1.0]]], [[[10.0]], [[11.0]]], [[[20.0]], [[21.0]]], [[[30.0]], [[31.0]]], [[[40.0]], [[41.0]]], [[[50.0]], [[51.0]]], [[[60.0]], [[61.0]]], [[[70.0]], [[71.0]]]]> : tensor<8x2x1x1xf32>
  %c = cv.conv2d %x, %w {groups = 2} : (tensor<?x4x4x4xf32>, tensor<8x2x1x1xf32>) -> tensor<?x8x4x4xf32>
  return %c : tensor<?x8x4x4xf32>
}

// -----

// A first layer: 1 input channel does not fill a block, 4 output channels
// do. The blocked convolution reads the NCHW input directly (no to_blocked),
// its weights are blocked by output channel as for any other, and the
// pooling after it runs blocked: W[m, 0] = 10 m becomes 0 10 20 30.
// CHECK-LABEL: func @nchw_input
func.func @nchw_input(%x: tensor<?x1x8x8xf32>) -> tensor<?x4x2x2xf32> {
  // CHECK-NOT: cv.to_blocked
  // CHECK: %[[C:.*]] = cv.conv2d_blocked %{{.*}}, %{{.*}} {activation = #cv<activation relu>, strides = array<i64: 2, 2>} : (tensor<?x1x8x8xf32>, tensor<2x1x1x1x2xf32>) -> tensor<?x2x4x4x2xf32>
  // CHECK: %[[P:.*]] = cv.max_pool2d %[[C]] {{.*}} : (tensor<?x2x4x4x2xf32>) -> tensor<?x2x2x2x2xf32>
  // CHECK: %[[Y:.*]] = cv.from_blocked %[[P]] : (tensor<?x2x2x2x2xf32>) -> tensor<?x4x2x2xf32>
  // CHECK: return %[[Y]]
  // CHECK: conv.blocked{{.*}}: "0x4000000000000000000020410000A0410000F041"
  %w = cv.constant dense<[[[[0.0]]], [[[10.0]]], [[[20.0]]], [[[30.0]]]]> : tensor<4x1x1x1xf32>
  %c = cv.conv2d %x, %w {activation = #cv<activation relu>, strides = array<i64: 2, 2>} : (tensor<?x1x8x8xf32>, tensor<4x1x1x1xf32>) -> tensor<?x4x4x4xf32>
  %p = cv.max_pool2d %c {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<?x4x4x4xf32>) -> tensor<?x4x2x2xf32>
  return %p : tensor<?x4x2x2xf32>
}

// -----

// Depthwise: one window per channel, laid out [C/b, kh, kw, b]:
// W[c, 0, 0, j] = 10 c + j becomes 0 10 1 11, 20 30 21 31. The epilogue
// stays fused.
// CHECK-LABEL: func @depthwise
func.func @depthwise(%x: tensor<?x4x5x5xf32>) -> tensor<?x4x5x4xf32> {
  // CHECK: %[[B:.*]] = cv.to_blocked %{{.*}} {block = 2 : i64} : (tensor<?x4x5x5xf32>) -> tensor<?x2x5x5x2xf32>
  // CHECK: %[[D:.*]] = cv.depthwise_conv2d_blocked %[[B]], %{{.*}} {activation = #cv<activation swish>} : (tensor<?x2x5x5x2xf32>, tensor<2x1x2x2xf32>) -> tensor<?x2x5x4x2xf32>
  // CHECK: cv.from_blocked %[[D]] : (tensor<?x2x5x4x2xf32>) -> tensor<?x4x5x4xf32>
  // CHECK: conv.blocked{{.*}}: "0x4000000000000000000020410000803F000030410000A0410000F0410000A8410000F841"
  %w = cv.constant dense<[[[[0.0, 1.0]]], [[[10.0, 11.0]]], [[[20.0, 21.0]]], [[[30.0, 31.0]]]]> : tensor<4x1x1x2xf32>
  %y = cv.conv2d %x, %w {groups = 4, activation = #cv<activation swish>} : (tensor<?x4x5x5xf32>, tensor<4x1x1x2xf32>) -> tensor<?x4x5x4xf32>
  return %y : tensor<?x4x5x4xf32>
}

// -----

// Channel counts that do not fill the last block (3 with b = 2) are padded:
// the convolution's weights and bias get zero rows for the padding, the
// next convolution zero columns (and used_input_channels, so that its
// reduction skips them), the depthwise one a zero window, and only the
// region's end drops the padding lanes.
// CHECK-LABEL: func @padded
func.func @padded(%x: tensor<?x4x4x4xf32>) -> tensor<?x3x4x4xf32> {
  // CHECK: %[[A:.*]] = cv.conv2d_blocked %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x2x4x4x2xf32>, tensor<2x4x1x1x2xf32>, tensor<4xf32>) -> tensor<?x2x4x4x2xf32>
  // CHECK: %[[R:.*]] = cv.relu %[[A]] : tensor<?x2x4x4x2xf32>
  // CHECK: %[[D:.*]] = cv.depthwise_conv2d_blocked %[[R]], %{{.*}} : (tensor<?x2x4x4x2xf32>, tensor<2x1x1x2xf32>) -> tensor<?x2x4x4x2xf32>
  // CHECK: %[[C:.*]] = cv.conv2d_blocked %[[D]], %{{.*}} {used_input_channels = 3 : i64} : (tensor<?x2x4x4x2xf32>, tensor<2x4x1x1x2xf32>) -> tensor<?x2x4x4x2xf32>
  // CHECK: cv.from_blocked %[[C]] {channels = 3 : i64} : (tensor<?x2x4x4x2xf32>) -> tensor<?x3x4x4xf32>
  %w = cv.constant dense<0.5> : tensor<3x4x1x1xf32>
  %b = cv.constant dense<1.0> : tensor<3xf32>
  %d = cv.constant dense<2.0> : tensor<3x1x1x1xf32>
  %v = cv.constant dense<0.25> : tensor<3x3x1x1xf32>
  %a = cv.conv2d %x, %w, %b : (tensor<?x4x4x4xf32>, tensor<3x4x1x1xf32>, tensor<3xf32>) -> tensor<?x3x4x4xf32>
  %r = cv.relu %a : tensor<?x3x4x4xf32>
  %e = cv.conv2d %r, %d {groups = 3} : (tensor<?x3x4x4xf32>, tensor<3x1x1x1xf32>) -> tensor<?x3x4x4xf32>
  %c = cv.conv2d %e, %v : (tensor<?x3x4x4xf32>, tensor<3x3x1x1xf32>) -> tensor<?x3x4x4xf32>
  return %c : tensor<?x3x4x4xf32>
}

// -----

// A value per channel (a squeeze-and-excitation scale) broadcasts in the
// blocked layout: it is blocked too, and the multiply stays in the region.
// A division is not done on padding lanes, so a padded region leaves it.
// CHECK-LABEL: func @per_channel
func.func @per_channel(%x: tensor<?x4x4x4xf32>, %s: tensor<?x4x1x1xf32>) -> tensor<?x4x4x4xf32> {
  // CHECK: %[[A:.*]] = cv.conv2d_blocked
  // CHECK: %[[S:.*]] = cv.to_blocked %{{.*}} {block = 2 : i64} : (tensor<?x4x1x1xf32>) -> tensor<?x2x1x1x2xf32>
  // CHECK: %[[M:.*]] = cv.mul %[[A]], %[[S]] : (tensor<?x2x4x4x2xf32>, tensor<?x2x1x1x2xf32>) -> tensor<?x2x4x4x2xf32>
  // CHECK: cv.conv2d_blocked %[[M]]
  %w = cv.constant dense<0.5> : tensor<4x4x1x1xf32>
  %a = cv.conv2d %x, %w : (tensor<?x4x4x4xf32>, tensor<4x4x1x1xf32>) -> tensor<?x4x4x4xf32>
  %m = cv.mul %a, %s : (tensor<?x4x4x4xf32>, tensor<?x4x1x1xf32>) -> tensor<?x4x4x4xf32>
  %c = cv.conv2d %m, %w : (tensor<?x4x4x4xf32>, tensor<4x4x1x1xf32>) -> tensor<?x4x4x4xf32>
  return %c : tensor<?x4x4x4xf32>
}

// -----

// CHECK-LABEL: func @padded_division
func.func @padded_division(%x: tensor<?x4x4x4xf32>) -> tensor<?x3x4x4xf32> {
  // CHECK: %[[A:.*]] = cv.conv2d_blocked
  // CHECK: %[[F:.*]] = cv.from_blocked %[[A]] {channels = 3 : i64}
  // CHECK: cv.div %[[F]], %[[F]] : (tensor<?x3x4x4xf32>, tensor<?x3x4x4xf32>) -> tensor<?x3x4x4xf32>
  %w = cv.constant dense<0.5> : tensor<3x4x1x1xf32>
  %a = cv.conv2d %x, %w : (tensor<?x4x4x4xf32>, tensor<3x4x1x1xf32>) -> tensor<?x3x4x4xf32>
  %d = cv.div %a, %a : (tensor<?x3x4x4xf32>, tensor<?x3x4x4xf32>) -> tensor<?x3x4x4xf32>
  return %d : tensor<?x3x4x4xf32>
}

// -----

// A batch norm of a blocked tensor that no layer could take (DenseNet's
// pre-activation, after a concat) becomes a blocked scale and shift, so the
// region goes on through its ReLU into the next convolution.
// CHECK-LABEL: func @batch_norm
func.func @batch_norm(%x: tensor<?x4x4x4xf32>) -> tensor<?x4x4x4xf32> {
  // CHECK: %[[A:.*]] = cv.conv2d_blocked
  // CHECK: %[[J:.*]] = cv.concat %[[A]], %[[A]]
  // CHECK: %[[M:.*]] = cv.mul %[[J]], %{{.*}} : (tensor<?x4x4x4x2xf32>, tensor<1x4x1x1x2xf32>) -> tensor<?x4x4x4x2xf32>
  // CHECK: %[[S:.*]] = cv.add %[[M]], %{{.*}} : (tensor<?x4x4x4x2xf32>, tensor<1x4x1x1x2xf32>) -> tensor<?x4x4x4x2xf32>
  // CHECK: %[[R:.*]] = cv.relu %[[S]]
  // CHECK: cv.conv2d_blocked %[[R]]
  // CHECK-NOT: cv.batch_norm
  %w = cv.constant dense<0.5> : tensor<4x4x1x1xf32>
  %v = cv.constant dense<0.5> : tensor<4x8x1x1xf32>
  %g = cv.constant dense<2.0> : tensor<8xf32>
  %b = cv.constant dense<1.0> : tensor<8xf32>
  %m = cv.constant dense<0.5> : tensor<8xf32>
  %s = cv.constant dense<4.0> : tensor<8xf32>
  %a = cv.conv2d %x, %w : (tensor<?x4x4x4xf32>, tensor<4x4x1x1xf32>) -> tensor<?x4x4x4xf32>
  %j = cv.concat %a, %a {axis = 1} : (tensor<?x4x4x4xf32>, tensor<?x4x4x4xf32>) -> tensor<?x8x4x4xf32>
  %n = cv.batch_norm %j, %g, %b, %m, %s : (tensor<?x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x8x4x4xf32>
  %r = cv.relu %n : tensor<?x8x4x4xf32>
  %c = cv.conv2d %r, %v : (tensor<?x8x4x4xf32>, tensor<4x8x1x1xf32>) -> tensor<?x4x4x4xf32>
  return %c : tensor<?x4x4x4xf32>
}

// -----

// A linear layer's constant [K, N] weight is packed into [N/b, K, b]
// panels: column n at lane n % b of panel n / b. Left alone: a weight that
// is not a constant, and columns that do not divide into blocks.
// CHECK-LABEL: func @linear_packed_weight
func.func @linear_packed_weight(%x: tensor<?x3x2xf32>, %v: tensor<2x4xf32>) -> (tensor<?x3x4xf32>, tensor<?x3x4xf32>, tensor<?x3x3xf32>) {
  // CHECK: %[[A:.*]] = cv.linear %{{.*}}, %{{.*}} {activation = #cv<activation relu>} : (tensor<?x3x2xf32>, tensor<2x2x2xf32>) -> tensor<?x3x4xf32>
  // CHECK: %[[B:.*]] = cv.linear %{{.*}}, %{{.*}} : (tensor<?x3x2xf32>, tensor<2x4xf32>) -> tensor<?x3x4xf32>
  // CHECK: %[[C:.*]] = cv.linear %{{.*}}, %{{.*}} : (tensor<?x3x2xf32>, tensor<2x3xf32>) -> tensor<?x3x3xf32>
  // CHECK: return %[[A]], %[[B]], %[[C]]
  // CHECK: linear.packed: "0x40000000000000000000803F000080400000A04000000040000040400000C0400000E040"
  %w = cv.constant dense<[[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0]]> : tensor<2x4xf32>
  %u = cv.constant dense<1.0> : tensor<2x3xf32>
  %a = cv.linear %x, %w {activation = #cv<activation relu>} : (tensor<?x3x2xf32>, tensor<2x4xf32>) -> tensor<?x3x4xf32>
  %b = cv.linear %x, %v : (tensor<?x3x2xf32>, tensor<2x4xf32>) -> tensor<?x3x4xf32>
  %c = cv.linear %x, %u : (tensor<?x3x2xf32>, tensor<2x3xf32>) -> tensor<?x3x3xf32>
  return %a, %b, %c : tensor<?x3x4xf32>, tensor<?x3x4xf32>, tensor<?x3x3xf32>
}

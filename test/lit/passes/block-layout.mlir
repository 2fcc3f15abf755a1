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

// Left alone: output channels that do not divide by the block, a grouped
// convolution whose groups (one channel each) are not whole blocks, and an
// add that broadcasts.
// CHECK-LABEL: func @left_alone
func.func @left_alone(%x: tensor<1x4x4x4xf32>, %y: tensor<1x4x4x4xf32>, %s: tensor<1x4x1x1xf32>) -> (tensor<1x3x4x4xf32>, tensor<1x4x4x4xf32>) {
  // CHECK: %[[A:.*]] = cv.conv2d %{{.*}}, %{{.*}} : (tensor<1x4x4x4xf32>, tensor<3x4x1x1xf32>)
  // CHECK: cv.conv2d %{{.*}}, %{{.*}} {groups = 4 : i64} : (tensor<1x4x4x4xf32>, tensor<4x1x1x1xf32>)
  // CHECK: cv.add %{{.*}}, %{{.*}} : (tensor<1x4x4x4xf32>, tensor<1x4x1x1xf32>)
  // CHECK-NOT: blocked
  %w = cv.constant dense<0.5> : tensor<3x4x1x1xf32>
  %g = cv.constant dense<0.5> : tensor<4x1x1x1xf32>
  %a = cv.conv2d %x, %w : (tensor<1x4x4x4xf32>, tensor<3x4x1x1xf32>) -> tensor<1x3x4x4xf32>
  %b = cv.conv2d %y, %g {groups = 4} : (tensor<1x4x4x4xf32>, tensor<4x1x1x1xf32>) -> tensor<1x4x4x4xf32>
  %c = cv.add %b, %s : (tensor<1x4x4x4xf32>, tensor<1x4x1x1xf32>) -> tensor<1x4x4x4xf32>
  return %a, %c : tensor<1x3x4x4xf32>, tensor<1x4x4x4xf32>
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

// A first layer: 3 input channels do not fill a block, 4 output channels do.
// The blocked convolution reads the NCHW input directly (no to_blocked), its
// weights are blocked by output channel as for any other, and the pooling
// after it runs blocked: W[m, c] = 10 m + c becomes 0 10 1 11 2 12 20 30 ...
// CHECK-LABEL: func @nchw_input
func.func @nchw_input(%x: tensor<?x3x8x8xf32>) -> tensor<?x4x2x2xf32> {
  // CHECK-NOT: cv.to_blocked
  // CHECK: %[[C:.*]] = cv.conv2d_blocked %{{.*}}, %{{.*}} {activation = #cv<activation relu>, strides = array<i64: 2, 2>} : (tensor<?x3x8x8xf32>, tensor<2x3x1x1x2xf32>) -> tensor<?x2x4x4x2xf32>
  // CHECK: %[[P:.*]] = cv.max_pool2d %[[C]] {{.*}} : (tensor<?x2x4x4x2xf32>) -> tensor<?x2x2x2x2xf32>
  // CHECK: %[[Y:.*]] = cv.from_blocked %[[P]] : (tensor<?x2x2x2x2xf32>) -> tensor<?x4x2x2xf32>
  // CHECK: return %[[Y]]
  // CHECK: conv.blocked{{.*}}: "0x4000000000000000000020410000803F0000304100000040000040410000A041
  %w = cv.constant dense<[[[[0.0]], [[1.0]], [[2.0]]], [[[10.0]], [[11.0]], [[12.0]]], [[[20.0]], [[21.0]], [[22.0]]], [[[30.0]], [[31.0]], [[32.0]]]]> : tensor<4x3x1x1xf32>
  %c = cv.conv2d %x, %w {activation = #cv<activation relu>, strides = array<i64: 2, 2>} : (tensor<?x3x8x8xf32>, tensor<4x3x1x1xf32>) -> tensor<?x4x4x4xf32>
  %p = cv.max_pool2d %c {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<?x4x4x4xf32>) -> tensor<?x4x2x2xf32>
  return %p : tensor<?x4x2x2xf32>
}

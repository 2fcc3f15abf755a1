// RUN: cvc-opt --split-input-file --cv-block-layout="block=4" %s | FileCheck %s

// Groups of 2 channels in blocks of 4: a group stays inside its vector, so
// the convolution runs blocked with a [C/b, kh, kw, g, b] weight:
// W'[c / b, i, j, k, c % b] = W[c, k, i, j]. Six channels are padded to
// eight (a zero group).
// CHECK-LABEL: func @narrow_groups
func.func @narrow_groups(%x: tensor<?x6x5x5xf32>) -> tensor<?x6x5x5xf32> {
  // CHECK: %[[I:.*]] = cv.to_blocked %{{.*}} {block = 4 : i64} : (tensor<?x6x5x5xf32>) -> tensor<?x2x5x5x4xf32>
  // CHECK: %[[D:.*]] = cv.depthwise_conv2d_blocked %[[I]], %{{.*}} : (tensor<?x2x5x5x4xf32>, tensor<2x1x1x2x4xf32>) -> tensor<?x2x5x5x4xf32>
  // CHECK: %[[Y:.*]] = cv.from_blocked %[[D]] {channels = 6 : i64}
  // CHECK: return %[[Y]]
  // CHECK: conv.blocked{{.*}}: "0x400000000000803F000040400000A0400000E04000000040000080400000C040000000410000104100003041000000000000000000002041000040410000000000000000"
  %w = cv.constant dense<[[[[1.0]], [[2.0]]], [[[3.0]], [[4.0]]], [[[5.0]], [[6.0]]], [[[7.0]], [[8.0]]], [[[9.0]], [[10.0]]], [[[11.0]], [[12.0]]]]> : tensor<6x2x1x1xf32>
  %y = cv.conv2d %x, %w {groups = 3} : (tensor<?x6x5x5xf32>, tensor<6x2x1x1xf32>) -> tensor<?x6x5x5xf32>
  return %y : tensor<?x6x5x5xf32>
}

// -----

// Left alone here: groups of 3 channels (they do not tile a block of 4) and
// groups with more outputs than inputs stay in NCHW; groups of a whole
// block are a blocked convolution's.
// CHECK-LABEL: func @not_narrow
func.func @not_narrow(%x: tensor<1x6x5x5xf32>, %z: tensor<1x8x5x5xf32>) -> (tensor<1x6x5x5xf32>, tensor<1x12x5x5xf32>, tensor<1x8x5x5xf32>) {
  // CHECK: cv.conv2d %{{.*}}, %{{.*}} {groups = 2 : i64, {{.*}}} : (tensor<1x6x5x5xf32>, tensor<6x3x3x3xf32>)
  // CHECK: cv.conv2d %{{.*}}, %{{.*}} {groups = 3 : i64, {{.*}}} : (tensor<1x6x5x5xf32>, tensor<12x2x3x3xf32>)
  // CHECK: cv.conv2d_blocked %{{.*}}, %{{.*}} {groups = 2 : i64
  // CHECK-NOT: cv.depthwise_conv2d_blocked
  %w = cv.constant dense<0.5> : tensor<6x3x3x3xf32>
  %v = cv.constant dense<0.5> : tensor<12x2x3x3xf32>
  %u = cv.constant dense<0.5> : tensor<8x4x3x3xf32>
  %a = cv.conv2d %x, %w {groups = 2, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x6x5x5xf32>, tensor<6x3x3x3xf32>) -> tensor<1x6x5x5xf32>
  %b = cv.conv2d %x, %v {groups = 3, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x6x5x5xf32>, tensor<12x2x3x3xf32>) -> tensor<1x12x5x5xf32>
  %c = cv.conv2d %z, %u {groups = 2, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x8x5x5xf32>, tensor<8x4x3x3xf32>) -> tensor<1x8x5x5xf32>
  return %a, %b, %c : tensor<1x6x5x5xf32>, tensor<1x12x5x5xf32>, tensor<1x8x5x5xf32>
}

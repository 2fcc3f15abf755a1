// RUN: cvc-opt --split-input-file --cv-in-place-concat %s | FileCheck %s

// An Inception-style join: each branch is computed for the concat alone, one
// of them through a reshape that keeps the channels.
// CHECK-LABEL: func @branches
func.func @branches(%x: tensor<?x4x6x6xf32>, %w: tensor<2x4x1x1xf32>, %m: tensor<3x4xf32>) -> tensor<?x5x3x3xf32> {
  // CHECK: cv.concat %{{.*}}, %{{.*}} {axis = 1 : i64, in_place}
  %a = cv.conv2d %x, %w {strides = array<i64: 2, 2>} : (tensor<?x4x6x6xf32>, tensor<2x4x1x1xf32>) -> tensor<?x2x3x3xf32>
  %p = cv.max_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<?x4x6x6xf32>) -> tensor<?x4x3x3xf32>
  %f = cv.reshape %p : (tensor<?x4x3x3xf32>) -> tensor<?x4x9xf32>
  %b = cv.matmul %f, %m : (tensor<?x4x9xf32>, tensor<3x4xf32>) -> tensor<?x3x9xf32>
  %r = cv.reshape %b : (tensor<?x3x9xf32>) -> tensor<?x3x3x3xf32>
  %y = cv.concat %a, %r {axis = 1} : (tensor<?x2x3x3xf32>, tensor<?x3x3x3xf32>) -> tensor<?x5x3x3xf32>
  %z = cv.relu %y : tensor<?x5x3x3xf32>
  return %z : tensor<?x5x3x3xf32>
}

// -----

// Left alone: an operand also used elsewhere; a block argument; a constant;
// a concat along the batch; a returned concat. (A concat of a concat is a
// nested dense block, in place below.)
// CHECK-LABEL: func @left_alone
func.func @left_alone(%x: tensor<1x2x4x4xf32>) -> (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>, tensor<1x6x4x4xf32>, tensor<2x2x4x4xf32>, tensor<1x4x4x4xf32>) {
  %k = cv.constant dense<1.0> : tensor<1x2x4x4xf32>
  %a = cv.relu %x : tensor<1x2x4x4xf32>
  %b = cv.tanh %x : tensor<1x2x4x4xf32>
  // CHECK: %[[C0:.*]] = cv.concat %{{.*}}, %{{.*}} {axis = 1 : i64} :
  %c0 = cv.concat %a, %b {axis = 1} : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x4x4x4xf32>
  %s0 = cv.sigmoid %c0 : tensor<1x4x4x4xf32>
  %u = cv.add %a, %a : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %v = cv.abs %x : tensor<1x2x4x4xf32>
  // CHECK: %[[C1:.*]] = cv.concat %{{.*}}, %{{.*}} {axis = 1 : i64} :
  %c1 = cv.concat %x, %v {axis = 1} : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x4x4x4xf32>
  %s1 = cv.sigmoid %c1 : tensor<1x4x4x4xf32>
  %w = cv.neg %x : tensor<1x2x4x4xf32>
  // CHECK: %[[C2:.*]] = cv.concat %{{.*}}, %{{.*}} {axis = 1 : i64} :
  %c2 = cv.concat %k, %w {axis = 1} : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x4x4x4xf32>
  %s2 = cv.sigmoid %c2 : tensor<1x4x4x4xf32>
  %e = cv.exp %x : tensor<1x2x4x4xf32>
  %f = cv.floor %x : tensor<1x2x4x4xf32>
  %g = cv.ceil %x : tensor<1x2x4x4xf32>
  // CHECK: cv.concat %{{.*}}, %{{.*}} {axis = 1 : i64, in_place} :
  %inner = cv.concat %e, %f {axis = 1} : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x4x4x4xf32>
  // CHECK: cv.concat %{{.*}}, %{{.*}} {axis = 1 : i64, in_place} :
  %outer = cv.concat %inner, %g {axis = 1} : (tensor<1x4x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x6x4x4xf32>
  %s3 = cv.sigmoid %outer : tensor<1x6x4x4xf32>
  %h = cv.sqrt %x : tensor<1x2x4x4xf32>
  %i = cv.log %x : tensor<1x2x4x4xf32>
  // CHECK: cv.concat %{{.*}}, %{{.*}} {axis = 0 : i64} :
  %c4 = cv.concat %h, %i {axis = 0} : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<2x2x4x4xf32>
  %s4 = cv.sigmoid %c4 : tensor<2x2x4x4xf32>
  %j = cv.reciprocal %x : tensor<1x2x4x4xf32>
  %l = cv.softplus %x : tensor<1x2x4x4xf32>
  // CHECK: cv.concat %{{.*}}, %{{.*}} {axis = 1 : i64} :
  %c5 = cv.concat %j, %l {axis = 1} : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x4x4x4xf32>
  return %s0, %s1, %s2, %s3, %s4, %c5 : tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>, tensor<1x6x4x4xf32>, tensor<2x2x4x4xf32>, tensor<1x4x4x4xf32>
}

// -----

// A flat [1, N] concat (a training step's gradient): each range is one
// contiguous block, so any dense producer fills it through a reshape,
// whatever its shape, and a value taken twice is written once (the planner
// copies it to its other range).
// CHECK-LABEL: func @flat_ranges
// CHECK: cv.concat %{{.*}}, %{{.*}}, %{{.*}} {axis = 1 : i64, in_place} :
func.func @flat_ranges(%x: tensor<2x3x4x4xf32>, %y: tensor<5xf32>) -> tensor<1x106xf32> {
  %a = cv.exp %x : tensor<2x3x4x4xf32>
  %b = cv.neg %y : tensor<5xf32>
  %ra = cv.reshape %a : (tensor<2x3x4x4xf32>) -> tensor<1x96xf32>
  %rb = cv.reshape %b : (tensor<5xf32>) -> tensor<1x5xf32>
  %c = cv.concat %ra, %rb, %rb {axis = 1} : (tensor<1x96xf32>, tensor<1x5xf32>, tensor<1x5xf32>) -> tensor<1x106xf32>
  %s = cv.sigmoid %c : tensor<1x106xf32>
  return %s : tensor<1x106xf32>
}

// -----

// Taken twice in a channel concat: the ranges are strided, no copy is
// planned, so the concat stays a kernel.
// CHECK-LABEL: func @channels_twice
// CHECK: cv.concat %{{.*}}, %{{.*}} {axis = 1 : i64} :
func.func @channels_twice(%x: tensor<2x3x4x4xf32>) -> tensor<2x6x4x4xf32> {
  %a = cv.exp %x : tensor<2x3x4x4xf32>
  %c = cv.concat %a, %a {axis = 1} : (tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>) -> tensor<2x6x4x4xf32>
  %s = cv.sigmoid %c : tensor<2x6x4x4xf32>
  return %s : tensor<2x6x4x4xf32>
}

// -----

// A dense block: every concat takes the features of the layers before it.
// All become in place: the longest holds every feature, the others are its
// prefixes.
// CHECK-LABEL: func @dense_block
func.func @dense_block(%x: tensor<?x1x4x4x4xf32>, %w: tensor<1x4x1x1x4xf32>, %w2: tensor<1x8x1x1x4xf32>, %w3: tensor<1x12x1x1x4xf32>) -> tensor<?x3x4x4x4xf32> {
  // CHECK: cv.concat %{{.*}} {axis = 1 : i64, in_place}
  // CHECK: cv.concat %{{.*}}, %{{.*}} {axis = 1 : i64, in_place}
  // CHECK: cv.concat %{{.*}}, %{{.*}}, %{{.*}} {axis = 1 : i64, in_place}
  %f0 = cv.relu %x : tensor<?x1x4x4x4xf32>
  %c1 = cv.concat %f0 {axis = 1} : (tensor<?x1x4x4x4xf32>) -> tensor<?x1x4x4x4xf32>
  %f1 = cv.conv2d_blocked %c1, %w : (tensor<?x1x4x4x4xf32>, tensor<1x4x1x1x4xf32>) -> tensor<?x1x4x4x4xf32>
  %c2 = cv.concat %f0, %f1 {axis = 1} : (tensor<?x1x4x4x4xf32>, tensor<?x1x4x4x4xf32>) -> tensor<?x2x4x4x4xf32>
  %f2 = cv.conv2d_blocked %c2, %w2 : (tensor<?x2x4x4x4xf32>, tensor<1x8x1x1x4xf32>) -> tensor<?x1x4x4x4xf32>
  %c3 = cv.concat %f0, %f1, %f2 {axis = 1} : (tensor<?x1x4x4x4xf32>, tensor<?x1x4x4x4xf32>, tensor<?x1x4x4x4xf32>) -> tensor<?x3x4x4x4xf32>
  %y = cv.relu %c3 : tensor<?x3x4x4x4xf32>
  return %y : tensor<?x3x4x4x4xf32>
}

// -----

// Left alone: a feature another op reads too, concats whose operands are
// not a prefix of the longest's (another order), and a chain whose shorter
// concat is returned.
// CHECK-LABEL: func @not_dense_chains
func.func @not_dense_chains(%x: tensor<1x2x4x4xf32>) -> (tensor<1x4x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x4x4x4xf32>) {
  // CHECK-NOT: in_place
  %a = cv.relu %x : tensor<1x2x4x4xf32>
  %b = cv.tanh %x : tensor<1x2x4x4xf32>
  %c1 = cv.concat %a {axis = 1} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %c2 = cv.concat %a, %b {axis = 1} : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x4x4x4xf32>
  %s = cv.sigmoid %a : tensor<1x2x4x4xf32>
  %d = cv.abs %x : tensor<1x2x4x4xf32>
  %e = cv.neg %x : tensor<1x2x4x4xf32>
  %c3 = cv.concat %d, %e {axis = 1} : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x4x4x4xf32>
  %c4 = cv.concat %e, %d {axis = 1} : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x4x4x4xf32>
  %f = cv.exp %x : tensor<1x2x4x4xf32>
  %g = cv.floor %x : tensor<1x2x4x4xf32>
  %c5 = cv.concat %f {axis = 1} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %c6 = cv.concat %f, %g {axis = 1} : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x4x4x4xf32>
  %r6 = cv.relu %c6 : tensor<1x4x4x4xf32>
  %r3 = cv.relu %c3 : tensor<1x4x4x4xf32>
  %r4 = cv.relu %c4 : tensor<1x4x4x4xf32>
  return %c2, %s, %r3, %r4, %c5, %r6 : tensor<1x4x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x4x4x4xf32>
}

// -----

// A dense block written as `x = cat(x, f(x))`: each concat takes the
// previous one, which the next layer also reads, and the new features;
// the block's input feeds the first layer too. All in place: the last
// concat's buffer holds every feature once.
// CHECK-LABEL: func @nested_dense_block
func.func @nested_dense_block(%x: tensor<?x2x4x4xf32>) -> tensor<?x8x4x4xf32> {
  %x0 = cv.relu %x : tensor<?x2x4x4xf32>
  %f1 = cv.tanh %x0 : tensor<?x2x4x4xf32>
  // CHECK: %[[C1:.*]] = cv.concat %{{.*}}, %{{.*}} {axis = 1 : i64, in_place}
  %c1 = cv.concat %x0, %f1 {axis = 1} : (tensor<?x2x4x4xf32>, tensor<?x2x4x4xf32>) -> tensor<?x4x4x4xf32>
  %g1 = cv.sigmoid %c1 : tensor<?x4x4x4xf32>
  %m1 = cv.reduce %g1 {axes = array<i64: 1>, kind = 0 : i64} : (tensor<?x4x4x4xf32>) -> tensor<?x1x4x4xf32>
  %f2c = cv.add %m1, %x0 : (tensor<?x1x4x4xf32>, tensor<?x2x4x4xf32>) -> tensor<?x2x4x4xf32>
  // CHECK: %[[C2:.*]] = cv.concat %[[C1]], %{{.*}} {axis = 1 : i64, in_place}
  %c2 = cv.concat %c1, %f2c {axis = 1} : (tensor<?x4x4x4xf32>, tensor<?x2x4x4xf32>) -> tensor<?x6x4x4xf32>
  %f3 = cv.neg %x0 : tensor<?x2x4x4xf32>
  // CHECK: cv.concat %[[C2]], %{{.*}} {axis = 1 : i64, in_place}
  %c3 = cv.concat %c2, %f3 {axis = 1} : (tensor<?x6x4x4xf32>, tensor<?x2x4x4xf32>) -> tensor<?x8x4x4xf32>
  %y = cv.relu %c3 : tensor<?x8x4x4xf32>
  return %y : tensor<?x8x4x4xf32>
}

// -----

// The outer concats left alone (each inner one, its operands its own, is
// in place by itself): an inner concat that two concats take (two buffers
// cannot both hold it), and one that is also reshaped.
// CHECK-LABEL: func @nested_left_alone
func.func @nested_left_alone(%x: tensor<1x2x4x4xf32>) -> (tensor<1x6x4x4xf32>, tensor<1x6x4x4xf32>, tensor<1x6x4x4xf32>) {
  %a = cv.relu %x : tensor<1x2x4x4xf32>
  %b = cv.tanh %x : tensor<1x2x4x4xf32>
  %c = cv.abs %x : tensor<1x2x4x4xf32>
  %d = cv.neg %x : tensor<1x2x4x4xf32>
  // CHECK: cv.concat %{{.*}}, %{{.*}} {axis = 1 : i64, in_place} :
  %inner = cv.concat %a, %b {axis = 1} : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x4x4x4xf32>
  // CHECK: cv.concat %{{.*}}, %{{.*}} {axis = 1 : i64} :
  %one = cv.concat %inner, %c {axis = 1} : (tensor<1x4x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x6x4x4xf32>
  // CHECK: cv.concat %{{.*}}, %{{.*}} {axis = 1 : i64} :
  %two = cv.concat %inner, %d {axis = 1} : (tensor<1x4x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x6x4x4xf32>
  %s1 = cv.sigmoid %one : tensor<1x6x4x4xf32>
  %s2 = cv.sigmoid %two : tensor<1x6x4x4xf32>
  %e = cv.exp %x : tensor<1x2x4x4xf32>
  %f = cv.floor %x : tensor<1x2x4x4xf32>
  %g = cv.ceil %x : tensor<1x2x4x4xf32>
  // CHECK: cv.concat %{{.*}}, %{{.*}} {axis = 1 : i64, in_place} :
  %i2 = cv.concat %e, %f {axis = 1} : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x4x4x4xf32>
  %r = cv.reshape %i2 : (tensor<1x4x4x4xf32>) -> tensor<1x64xf32>
  %rr = cv.reshape %r : (tensor<1x64xf32>) -> tensor<1x4x4x4xf32>
  // CHECK: cv.concat %{{.*}}, %{{.*}} {axis = 1 : i64} :
  %o2 = cv.concat %i2, %g {axis = 1} : (tensor<1x4x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x6x4x4xf32>
  %s3 = cv.sigmoid %o2 : tensor<1x6x4x4xf32>
  %t = cv.add %s3, %s3 : (tensor<1x6x4x4xf32>, tensor<1x6x4x4xf32>) -> tensor<1x6x4x4xf32>
  %u = cv.sigmoid %rr : tensor<1x4x4x4xf32>
  return %s1, %s2, %t : tensor<1x6x4x4xf32>, tensor<1x6x4x4xf32>, tensor<1x6x4x4xf32>
}

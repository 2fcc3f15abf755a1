// RUN: cvc-opt --split-input-file --canonicalize %s | FileCheck %s

// A binary op reads the unexpanded tensor where broadcasting gives it the
// same result (a training step's gradients of reductions are expands).
// CHECK-LABEL: func @reduction_gradient
func.func @reduction_gradient(%x: tensor<8x4x5x5xf32>, %g: tensor<1x4x1x1xf32>) -> tensor<8x4x5x5xf32> {
  // CHECK-NOT: cv.expand
  // CHECK: cv.add %arg0, %arg1 : (tensor<8x4x5x5xf32>, tensor<1x4x1x1xf32>) -> tensor<8x4x5x5xf32>
  %e = cv.expand %g : (tensor<1x4x1x1xf32>) -> tensor<8x4x5x5xf32>
  %y = cv.add %x, %e : (tensor<8x4x5x5xf32>, tensor<8x4x5x5xf32>) -> tensor<8x4x5x5xf32>
  return %y : tensor<8x4x5x5xf32>
}

// -----

// Either operand; a lower rank broadcasts too.
// CHECK-LABEL: func @either_operand
func.func @either_operand(%x: tensor<2x3x4xf32>, %g: tensor<4xf32>) -> tensor<2x3x4xf32> {
  // CHECK-NOT: cv.expand
  // CHECK: cv.div %arg1, %arg0 : (tensor<4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %e = cv.expand %g : (tensor<4xf32>) -> tensor<2x3x4xf32>
  %y = cv.div %e, %x : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return %y : tensor<2x3x4xf32>
}

// -----

// Where the expand makes the result's shape (the other operand is no
// larger than its input), the op runs on the small tensors and its result
// is expanded.
// CHECK-LABEL: func @expand_makes_the_shape
func.func @expand_makes_the_shape(%x: tensor<1x4x1x1xf32>, %g: tensor<1x4x1x1xf32>) -> tensor<8x4x5x5xf32> {
  // CHECK: %[[M:.*]] = cv.mul %arg0, %arg1 : (tensor<1x4x1x1xf32>, tensor<1x4x1x1xf32>) -> tensor<1x4x1x1xf32>
  // CHECK: cv.expand %[[M]] : (tensor<1x4x1x1xf32>) -> tensor<8x4x5x5xf32>
  %e = cv.expand %g : (tensor<1x4x1x1xf32>) -> tensor<8x4x5x5xf32>
  %y = cv.mul %x, %e : (tensor<1x4x1x1xf32>, tensor<8x4x5x5xf32>) -> tensor<8x4x5x5xf32>
  return %y : tensor<8x4x5x5xf32>
}

// -----

// An expand with other readers stays for them.
// CHECK-LABEL: func @shared_expand
func.func @shared_expand(%x: tensor<8x4xf32>, %g: tensor<1x4xf32>) -> (tensor<8x4xf32>, tensor<8x4xf32>) {
  // CHECK: %[[E:.*]] = cv.expand
  // CHECK: cv.sub %arg0, %arg1
  // CHECK: return {{.*}}, %[[E]]
  %e = cv.expand %g : (tensor<1x4xf32>) -> tensor<8x4xf32>
  %y = cv.sub %x, %e : (tensor<8x4xf32>, tensor<8x4xf32>) -> tensor<8x4xf32>
  return %y, %e : tensor<8x4xf32>, tensor<8x4xf32>
}

// -----

// a + (-b) is a - b in either order, and a - (-b) is a + b.
// CHECK-LABEL: func @absorb_negation
func.func @absorb_negation(%a: tensor<4xf32>, %b: tensor<4xf32>, %c: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  // CHECK-NOT: cv.neg
  // CHECK-DAG: cv.sub %arg0, %arg1
  // CHECK-DAG: cv.sub %arg0, %arg2
  // CHECK-DAG: cv.add %arg1, %arg2
  %nb = cv.neg %b : tensor<4xf32>
  %x = cv.add %a, %nb : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %nc = cv.neg %c : tensor<4xf32>
  %y = cv.add %nc, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %nc2 = cv.neg %c : tensor<4xf32>
  %z = cv.sub %b, %nc2 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %x, %y, %z : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// A negation something else reads stays, and so does the add; so does a
// subtraction of it from the left.
// CHECK-LABEL: func @negation_kept
func.func @negation_kept(%a: tensor<4xf32>, %b: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  // CHECK: cv.neg
  // CHECK: cv.add
  // CHECK: cv.sub
  %nb = cv.neg %b : tensor<4xf32>
  %x = cv.add %a, %nb : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %na = cv.neg %a : tensor<4xf32>
  %y = cv.sub %na, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %x, %nb, %y : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// A mean's gradient, expand(g) · 1/n, scales g before expanding it, and the
// add after it then broadcasts g: nothing of the full shape is expanded.
// CHECK-LABEL: func @mean_gradient
func.func @mean_gradient(%x: tensor<8x4x5x5xf32>, %g: tensor<1x4x1x1xf32>) -> tensor<8x4x5x5xf32> {
  // CHECK-NOT: cv.expand
  // CHECK: %[[S:.*]] = cv.mul %arg1, %{{.*}} : (tensor<1x4x1x1xf32>, tensor<1xf32>) -> tensor<1x4x1x1xf32>
  // CHECK: cv.add %arg0, %[[S]] : (tensor<8x4x5x5xf32>, tensor<1x4x1x1xf32>) -> tensor<8x4x5x5xf32>
  %n = cv.constant dense<5.0e-03> : tensor<1xf32>
  %e = cv.expand %g : (tensor<1x4x1x1xf32>) -> tensor<8x4x5x5xf32>
  %s = cv.mul %e, %n : (tensor<8x4x5x5xf32>, tensor<1xf32>) -> tensor<8x4x5x5xf32>
  %y = cv.add %x, %s : (tensor<8x4x5x5xf32>, tensor<8x4x5x5xf32>) -> tensor<8x4x5x5xf32>
  return %y : tensor<8x4x5x5xf32>
}

// -----

// The expand stays where neither rewrite keeps the result's shape: the
// other operand broadcasts neither into its input nor, with its input, to
// the result.
// CHECK-LABEL: func @expand_kept
func.func @expand_kept(%g: tensor<4xf32>, %h: tensor<8x1xf32>) -> tensor<2x8x4xf32> {
  // CHECK: %[[E:.*]] = cv.expand %arg0
  // CHECK: cv.mul %[[E]], %arg1
  %e = cv.expand %g : (tensor<4xf32>) -> tensor<2x8x4xf32>
  %y = cv.mul %e, %h : (tensor<2x8x4xf32>, tensor<8x1xf32>) -> tensor<2x8x4xf32>
  return %y : tensor<2x8x4xf32>
}

// -----

// A sum or mean of a negation negates the reduced tensor; a max does not.
// CHECK-LABEL: func @negate_after_reduce
func.func @negate_after_reduce(%x: tensor<8x4xf32>, %y: tensor<8x4xf32>) -> (tensor<1x4xf32>, tensor<1x4xf32>) {
  // CHECK: %[[S:.*]] = cv.reduce %arg0 {axes = array<i64: 0>, kind = 0 : i64}
  // CHECK: cv.neg %[[S]] : tensor<1x4xf32>
  // CHECK: %[[N:.*]] = cv.neg %arg1 : tensor<8x4xf32>
  // CHECK: cv.reduce %[[N]] {axes = array<i64: 0>, kind = 2 : i64}
  %n = cv.neg %x : tensor<8x4xf32>
  %s = cv.reduce %n {kind = 0 : i64, axes = array<i64: 0>} : (tensor<8x4xf32>) -> tensor<1x4xf32>
  %m = cv.neg %y : tensor<8x4xf32>
  %t = cv.reduce %m {kind = 2 : i64, axes = array<i64: 0>} : (tensor<8x4xf32>) -> tensor<1x4xf32>
  return %s, %t : tensor<1x4xf32>, tensor<1x4xf32>
}

// -----

// Pow by a splat 2, 3 or 1 is a product (a decomposed LayerNorm squares by
// Pow(x, 2)).
// CHECK-LABEL: func @small_integer_powers
func.func @small_integer_powers(%x: tensor<2x3x4xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>) {
  // CHECK-NOT: cv.pow
  // CHECK: %[[SQ:.*]] = cv.mul %arg0, %arg0
  // CHECK: %[[SQ2:.*]] = cv.mul %arg0, %arg0
  // CHECK: %[[CUBE:.*]] = cv.mul %[[SQ2]], %arg0
  // CHECK-NOT: cv.pow
  // CHECK: return %[[SQ]], %[[CUBE]], %arg0
  %two = cv.constant dense<2.0> : tensor<1xf32>
  %three = cv.constant dense<3.0> : tensor<f32>
  %one = cv.constant dense<1.0> : tensor<1xf32>
  %s = cv.pow %x, %two : (tensor<2x3x4xf32>, tensor<1xf32>) -> tensor<2x3x4xf32>
  %c = cv.pow %x, %three : (tensor<2x3x4xf32>, tensor<f32>) -> tensor<2x3x4xf32>
  %i = cv.pow %x, %one : (tensor<2x3x4xf32>, tensor<1xf32>) -> tensor<2x3x4xf32>
  return %s, %c, %i : tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>
}

// -----

// Left alone: other exponents, and a broadcast base (the exponent makes the
// result's shape).
// CHECK-LABEL: func @other_powers
func.func @other_powers(%x: tensor<2x3x4xf32>, %b: tensor<4xf32>, %e: tensor<2x3x4xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>) {
  // CHECK: cv.pow %arg0, %{{.*}} : (tensor<2x3x4xf32>, tensor<1xf32>)
  // CHECK: cv.pow %arg1, %{{.*}} : (tensor<4xf32>, tensor<2x3x4xf32>)
  // CHECK: cv.pow %arg0, %arg2
  %half = cv.constant dense<0.5> : tensor<1xf32>
  %two = cv.constant dense<2.0> : tensor<2x3x4xf32>
  %r = cv.pow %x, %half : (tensor<2x3x4xf32>, tensor<1xf32>) -> tensor<2x3x4xf32>
  %b2 = cv.pow %b, %two : (tensor<4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %v = cv.pow %x, %e : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return %r, %b2, %v : tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>
}

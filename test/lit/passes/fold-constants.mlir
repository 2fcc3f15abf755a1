// RUN: cvc-opt --split-input-file --canonicalize %s | FileCheck %s

// Arithmetic on constants (exporters scale or shift weights this way) folds
// at compile time, with numpy broadcasting.
// CHECK-LABEL: func @arithmetic
func.func @arithmetic() -> (tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>) {
  // CHECK-DAG: cv.constant dense<{{\[}}[1.100000e+01, 1.200000e+01], [2.100000e+01, 2.200000e+01]]> : tensor<2x2xf32>
  // CHECK-DAG: cv.constant dense<[5.000000e-01, -1.000000e+00]> : tensor<2xf32>
  // CHECK-DAG: cv.constant dense<[4.000000e+00, -2.000000e-01]> : tensor<2xf32>
  // CHECK-NOT: cv.add
  // CHECK-NOT: cv.div
  // CHECK-NOT: cv.prelu
  %a = cv.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %b = cv.constant dense<[[10.0], [20.0]]> : tensor<2x1xf32>
  %s = cv.add %a, %b : (tensor<2xf32>, tensor<2x1xf32>) -> tensor<2x2xf32>
  %c = cv.constant dense<[1.0, -2.0]> : tensor<2xf32>
  %two = cv.constant dense<2.0> : tensor<1xf32>
  %d = cv.div %c, %two : (tensor<2xf32>, tensor<1xf32>) -> tensor<2xf32>
  %e = cv.constant dense<[4.0, -2.0]> : tensor<2xf32>
  %slope = cv.constant dense<0.1> : tensor<1xf32>
  %p = cv.prelu %e, %slope : (tensor<2xf32>, tensor<1xf32>) -> tensor<2xf32>
  return %s, %d, %p : tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>
}

// -----

// An operand computed at run time stays an op.
// CHECK-LABEL: func @not_constant
func.func @not_constant(%x: tensor<2xf32>) -> tensor<2xf32> {
  // CHECK: cv.mul
  %k = cv.constant dense<2.0> : tensor<2xf32>
  %y = cv.mul %x, %k : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

// Dropout is the identity at inference.
// CHECK-LABEL: func @dropout
// CHECK-NOT: cv.dropout
// CHECK: return %arg0
func.func @dropout(%x: tensor<?x16xf32>) -> tensor<?x16xf32> {
  %y = cv.dropout %x {ratio = 0.7 : f32} : tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

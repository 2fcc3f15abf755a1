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

// -----

// x * sigmoid(x), as exporters write SiLU, is Swish, in either order.
// CHECK-LABEL: func @swish
func.func @swish(%x: tensor<?x8x4x4xf32>) -> (tensor<?x8x4x4xf32>, tensor<?x8x4x4xf32>) {
  // CHECK: %[[A:.*]] = cv.swish %{{.*}} : tensor<?x8x4x4xf32>
  // CHECK: %[[B:.*]] = cv.swish %{{.*}} : tensor<?x8x4x4xf32>
  // CHECK-NOT: cv.sigmoid
  // CHECK: return %[[A]], %[[B]]
  %s = cv.sigmoid %x : tensor<?x8x4x4xf32>
  %a = cv.mul %x, %s : (tensor<?x8x4x4xf32>, tensor<?x8x4x4xf32>) -> tensor<?x8x4x4xf32>
  %b = cv.mul %s, %x : (tensor<?x8x4x4xf32>, tensor<?x8x4x4xf32>) -> tensor<?x8x4x4xf32>
  return %a, %b : tensor<?x8x4x4xf32>, tensor<?x8x4x4xf32>
}

// -----

// GELU as PyTorch writes it before ONNX has the op ((x * (erf(x / sqrt 2) + 1)) * 0.5),
// and Mish (x * tanh(softplus(x))).
// CHECK-LABEL: func @gelu_mish
func.func @gelu_mish(%x: tensor<?x8x4x4xf32>) -> (tensor<?x8x4x4xf32>, tensor<?x8x4x4xf32>) {
  // CHECK: %[[G:.*]] = cv.gelu %{{.*}} : tensor<?x8x4x4xf32>
  // CHECK: %[[M:.*]] = cv.mish %{{.*}} : tensor<?x8x4x4xf32>
  // CHECK-NOT: cv.erf
  // CHECK: return %[[G]], %[[M]]
  %r2 = cv.constant dense<1.41421354> : tensor<1xf32>
  %one = cv.constant dense<1.0> : tensor<1xf32>
  %half = cv.constant dense<0.5> : tensor<1xf32>
  %d = cv.div %x, %r2 : (tensor<?x8x4x4xf32>, tensor<1xf32>) -> tensor<?x8x4x4xf32>
  %e = cv.erf %d : tensor<?x8x4x4xf32>
  %a = cv.add %e, %one : (tensor<?x8x4x4xf32>, tensor<1xf32>) -> tensor<?x8x4x4xf32>
  %m = cv.mul %x, %a : (tensor<?x8x4x4xf32>, tensor<?x8x4x4xf32>) -> tensor<?x8x4x4xf32>
  %g = cv.mul %m, %half : (tensor<?x8x4x4xf32>, tensor<1xf32>) -> tensor<?x8x4x4xf32>
  %s = cv.softplus %x : tensor<?x8x4x4xf32>
  %t = cv.tanh %s : tensor<?x8x4x4xf32>
  %mi = cv.mul %t, %x : (tensor<?x8x4x4xf32>, tensor<?x8x4x4xf32>) -> tensor<?x8x4x4xf32>
  return %g, %mi : tensor<?x8x4x4xf32>, tensor<?x8x4x4xf32>
}

// -----

// PyTorch's nn.LocalResponseNorm as torch.onnx writes it, once imported
// (the 3-D AveragePool over channels as a pooling along one axis, the If
// folded): x / (k + alpha * avg(x^2 over 5 channels))^beta is one cv.lrn.
// CHECK-LABEL: func @decomposed_lrn
func.func @decomposed_lrn(%x: tensor<?x8x6x6xf32>) -> tensor<?x8x6x6xf32> {
  // CHECK: %[[Y:.*]] = cv.lrn %{{.*}} {alpha = 3.000000e-04 : f32, beta = 5.000000e-01 : f32, bias = 2.000000e+00 : f32, size = 5 : i64} : tensor<?x8x6x6xf32>
  // CHECK-NOT: cv.avg_pool2d
  // CHECK: return %[[Y]]
  %alpha = cv.constant dense<3.0e-4> : tensor<1xf32>
  %k = cv.constant dense<2.0> : tensor<1xf32>
  %beta = cv.constant dense<0.5> : tensor<1xf32>
  %sq = cv.mul %x, %x : (tensor<?x8x6x6xf32>, tensor<?x8x6x6xf32>) -> tensor<?x8x6x6xf32>
  %u = cv.reshape %sq : (tensor<?x8x6x6xf32>) -> tensor<?x1x8x6x6xf32>
  %p = cv.pad %u {pads = array<i64: 0, 0, 2, 0, 0, 0, 0, 2, 0, 0>, mode = 0 : i64} : (tensor<?x1x8x6x6xf32>) -> tensor<?x1x12x6x6xf32>
  %f = cv.reshape %p : (tensor<?x1x12x6x6xf32>) -> tensor<?x1x12x36xf32>
  %a = cv.avg_pool2d %f {kernel = array<i64: 5, 1>, strides = array<i64: 1, 1>} : (tensor<?x1x12x36xf32>) -> tensor<?x1x8x36xf32>
  %b = cv.reshape %a : (tensor<?x1x8x36xf32>) -> tensor<?x8x6x6xf32>
  %m = cv.mul %b, %alpha : (tensor<?x8x6x6xf32>, tensor<1xf32>) -> tensor<?x8x6x6xf32>
  %s = cv.add %m, %k : (tensor<?x8x6x6xf32>, tensor<1xf32>) -> tensor<?x8x6x6xf32>
  %pw = cv.pow %s, %beta : (tensor<?x8x6x6xf32>, tensor<1xf32>) -> tensor<?x8x6x6xf32>
  %y = cv.div %x, %pw : (tensor<?x8x6x6xf32>, tensor<?x8x6x6xf32>) -> tensor<?x8x6x6xf32>
  return %y : tensor<?x8x6x6xf32>
}

// RUN: cvc %s --train --train-batch 2 --optimizer adam --adam-beta1 0.5 --adam-beta2 0.75 --adam-epsilon 0.125 --batch-norm-momentum 0.375 --emit=mlir -O0 -o - | FileCheck %s
// RUN: not cvc %s --train --momentum -1 2>&1 | FileCheck %s --check-prefix=MOMENTUM
// RUN: not cvc %s --train --optimizer rmsprop 2>&1 | FileCheck %s --check-prefix=OPTIMIZER
// RUN: not cvc %s --train --batch-norm-momentum 1.5 2>&1 | FileCheck %s --check-prefix=BN
// RUN: not cvc %s --train --adam-epsilon 0 2>&1 | FileCheck %s --check-prefix=EPSILON
// RUN: not cvc %s --adam-beta1 0.5 2>&1 | FileCheck %s --check-prefix=NO-TRAIN
// cvc's training flags are the rows of the training-option table that
// cv-build-train-step's options come from too: every setting of the step
// is reachable, and each is checked with one message.

// CHECK-LABEL: func.func @train_step
// CHECK-DAG: cv.constant dense<5.000000e-01>
// CHECK-DAG: cv.constant dense<7.500000e-01>
// CHECK-DAG: cv.constant dense<2.500000e-01>
// CHECK-DAG: cv.constant dense<1.250000e-01>
// CHECK-DAG: cv.constant dense<3.750000e-01>
// CHECK-DAG: cv.constant dense<6.250000e-01>
// MOMENTUM: cvc: error: --momentum must be a number >= 0, got '-1'
// OPTIMIZER: cvc: error: --optimizer must be sgd, adam or adamw, got 'rmsprop'
// BN: cvc: error: --batch-norm-momentum must be a number in [0, 1], got '1.5'
// EPSILON: cvc: error: --adam-epsilon must be a number > 0, got '0'
// NO-TRAIN: cvc: error: training options need --train (--adam-beta1 was given)
func.func @main(%x: tensor<?x2x4x4xf32> {cv.name = "x"}) -> tensor<?x2xf32> {
  %s = cv.constant dense<1.0> : tensor<2xf32>
  %b = cv.constant dense<0.0> : tensor<2xf32>
  %m = cv.constant dense<0.0> : tensor<2xf32>
  %v = cv.constant dense<1.0> : tensor<2xf32>
  %y = cv.batch_norm %x, %s, %b, %m, %v : (tensor<?x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<?x2x4x4xf32>
  %p = cv.reduce %y {kind = 1 : i64, axes = array<i64: 2, 3>} : (tensor<?x2x4x4xf32>) -> tensor<?x2x1x1xf32>
  %f = cv.reshape %p : (tensor<?x2x1x1xf32>) -> tensor<?x2xf32>
  return %f : tensor<?x2xf32>
}

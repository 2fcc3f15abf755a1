// RUN: cvc-opt --cv-build-train-step="batch=2 optimizer=adam beta1=0.5 beta2=0.75 epsilon=0.125 batch-norm-momentum=0.375" %s | FileCheck %s
// RUN: cvc-opt --cv-build-train-step="batch=2" %s | FileCheck %s --check-prefix=DEFAULT
// RUN: not cvc-opt --cv-build-train-step="momentum=-1" %s 2>&1 | FileCheck %s --check-prefix=MOMENTUM
// RUN: not cvc-opt --cv-build-train-step="optimizer=rmsprop" %s 2>&1 | FileCheck %s --check-prefix=OPTIMIZER
// RUN: not cvc-opt --cv-build-train-step="beta2=1" %s 2>&1 | FileCheck %s --check-prefix=BETA
// RUN: not cvc-opt --cv-build-train-step="batch=0" %s 2>&1 | FileCheck %s --check-prefix=BATCH
// The pass's options are the rows of the training-option table that cvc's
// flags come from too (cvc/autodiff/TrainingOptions.h): Adam's betas and
// epsilon and batch-norm's momentum reach the step's update, and a value
// out of range is refused naming the option.

// Adam: m' = 0.5 m + 0.5 g, v' = 0.75 v + 0.25 g^2, epsilon 0.125 (scaled
// by the bias correction); running statistics 0.625 old + 0.375 batch.
// CHECK-LABEL: func.func @train_step
// CHECK-DAG: cv.constant dense<5.000000e-01>
// CHECK-DAG: cv.constant dense<7.500000e-01>
// CHECK-DAG: cv.constant dense<2.500000e-01>
// CHECK-DAG: cv.constant dense<1.250000e-01>
// CHECK-DAG: cv.constant dense<3.750000e-01>
// CHECK-DAG: cv.constant dense<6.250000e-01>
// DEFAULT-LABEL: func.func @train_step
// DEFAULT-NOT: dense<3.750000e-01>
// DEFAULT: return
// MOMENTUM: error: cv-build-train-step: option 'momentum' must be a number >= 0, got '-1'
// OPTIMIZER: error: cv-build-train-step: option 'optimizer' must be sgd, adam or adamw, got 'rmsprop'
// BETA: error: cv-build-train-step: option 'beta2' must be a number in [0, 1), got '1'
// BATCH: error: cv-build-train-step: option 'batch' must be an integer >= 1, got '0'
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

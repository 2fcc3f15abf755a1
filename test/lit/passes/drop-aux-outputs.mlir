// RUN: cvc-opt --split-input-file --verify-diagnostics --cv-drop-aux-outputs %s | FileCheck %s

// An auxiliary head leaves the signature, and the ops only it used go too.
// CHECK-LABEL: func.func @main
// CHECK-SAME: -> tensor<?x10xf32>
// CHECK-NOT: cv.aux_loss_weight
// CHECK: %[[MAIN:.*]] = cv.relu %arg0
// CHECK-NOT: cv.tanh
// CHECK: return %[[MAIN]] : tensor<?x10xf32>
func.func @main(%x: tensor<?x10xf32>) -> (tensor<?x10xf32>, tensor<?x10xf32> {cv.aux_loss_weight = 3.0e-01 : f32}) {
  %main = cv.relu %x : tensor<?x10xf32>
  %aux = cv.tanh %x : tensor<?x10xf32>
  return %main, %aux : tensor<?x10xf32>, tensor<?x10xf32>
}

// -----

// Without auxiliary results nothing changes.
// CHECK-LABEL: func.func @plain
// CHECK-SAME: -> (tensor<?x10xf32>, tensor<?x10xf32>)
// CHECK: cv.relu
// CHECK: cv.tanh
func.func @plain(%x: tensor<?x10xf32>) -> (tensor<?x10xf32>, tensor<?x10xf32>) {
  %a = cv.relu %x : tensor<?x10xf32>
  %b = cv.tanh %x : tensor<?x10xf32>
  return %a, %b : tensor<?x10xf32>, tensor<?x10xf32>
}

// -----

// expected-error@+1 {{every result is an auxiliary (training-only) output}}
func.func @only_aux(%x: tensor<?x10xf32>) -> (tensor<?x10xf32> {cv.aux_loss_weight = 3.0e-01 : f32}) {
  %a = cv.relu %x : tensor<?x10xf32>
  return %a : tensor<?x10xf32>
}

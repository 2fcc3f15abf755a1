// RUN: cvc-opt %s --split-input-file --verify-diagnostics --cv-verify-lowerable | FileCheck %s

// CHECK-LABEL: func @lowerable
func.func @lowerable(%x: tensor<?x3x8x8xf32>) -> tensor<?x3x8x8xf32> {
  // CHECK: cv.relu
  %y = cv.relu %x : tensor<?x3x8x8xf32>
  return %y : tensor<?x3x8x8xf32>
}

// -----

// expected-error@+2 {{argument #0 'tensor<1x3x?x8xf32>': only the leading (batch) dimension may be dynamic}}
// expected-error@+1 {{result #0 'tensor<1x3x?x8xf32>': only the leading (batch) dimension may be dynamic}}
func.func @dynamic_spatial(%x: tensor<1x3x?x8xf32>) -> tensor<1x3x?x8xf32> {
  // expected-error@+1 {{result #0 'tensor<1x3x?x8xf32>': only the leading (batch) dimension may be dynamic}}
  %y = cv.relu %x : tensor<1x3x?x8xf32>
  return %y : tensor<1x3x?x8xf32>
}

// -----

func.func @foreign_op(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{'func.call' op is not a cv dialect op; the code generator cannot lower it}}
  %y = func.call @foreign_op(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// expected-error@+2 {{result #0 'tensor<?x64x8192x8192xf32>' is too large: kernels address at most 2^31-1 elements}}
// expected-error@+1 {{argument #0 'tensor<?x64x8192x8192xf32>' is too large: kernels address at most 2^31-1 elements}}
func.func @too_large(%x: tensor<?x64x8192x8192xf32>) -> tensor<?x64x8192x8192xf32> {
  return %x : tensor<?x64x8192x8192xf32>
}

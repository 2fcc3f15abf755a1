// RUN: cvc %s --summary -O0 | FileCheck %s
// RUN: cvc %s --emit=summary -O0 -o %t.txt && FileCheck %s --input-file=%t.txt
// RUN: cvc %s --summary | FileCheck %s --check-prefix=O2
// The Inception module's cost argument: a 5x5 "same" convolution from
// 28x28x192 to 28x28x32 takes about 120 M multiplies; reducing to 16
// channels with a 1x1 convolution first takes about 12.4 M in all.

// CHECK: model summary at -O0
// CHECK: #  kernel{{ +}}output{{ +}}parameters{{ +}}MACs
// CHECK-NEXT: 0  conv2d{{ +}}Nx32x28x28{{ +}}153,632{{ +}}120.42 M
// CHECK-NEXT: 1  conv2d{{ +}}Nx16x28x28{{ +}}3,088{{ +}}2.41 M
// CHECK-NEXT: 2  conv2d{{ +}}Nx32x28x28{{ +}}12,832{{ +}}10.04 M
// CHECK: total: 169,552 parameters, 132.87 M MACs (132,866,048), 3 kernel launches per inference
// The blocked layout converts the shared input once and each branch back.
// O2: pass pipeline: -O0 132.87 M MACs in 3 kernels -> -O2 132.87 M MACs in 6 kernels
// CHECK: activation memory at batch 1: 0.05 MiB in separate buffers -> 0.05 MiB in the planned arena
func.func @main(%x: tensor<?x192x28x28xf32>) -> (tensor<?x32x28x28xf32>, tensor<?x32x28x28xf32>) {
  %w5 = cv.constant dense<0.01> : tensor<32x192x5x5xf32>
  %b5 = cv.constant dense<0.0> : tensor<32xf32>
  %direct = cv.conv2d %x, %w5, %b5 {pads = array<i64: 2, 2, 2, 2>}
      : (tensor<?x192x28x28xf32>, tensor<32x192x5x5xf32>, tensor<32xf32>) -> tensor<?x32x28x28xf32>
  %w1 = cv.constant dense<0.01> : tensor<16x192x1x1xf32>
  %b1 = cv.constant dense<0.0> : tensor<16xf32>
  %reduced = cv.conv2d %x, %w1, %b1
      : (tensor<?x192x28x28xf32>, tensor<16x192x1x1xf32>, tensor<16xf32>) -> tensor<?x16x28x28xf32>
  %w2 = cv.constant dense<0.01> : tensor<32x16x5x5xf32>
  %b2 = cv.constant dense<0.0> : tensor<32xf32>
  %bottleneck = cv.conv2d %reduced, %w2, %b2 {pads = array<i64: 2, 2, 2, 2>}
      : (tensor<?x16x28x28xf32>, tensor<32x16x5x5xf32>, tensor<32xf32>) -> tensor<?x32x28x28xf32>
  return %direct, %bottleneck : tensor<?x32x28x28xf32>, tensor<?x32x28x28xf32>
}

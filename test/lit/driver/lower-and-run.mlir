// The lowering entry: a cv module compiles to a model.so that runs through
// the C ABI: y = relu(2x - 7) for x = -4 ... 11 (a 1x1 convolution with bias),
// and its 2x2 average pool.
// RUN: cvc %s -o %t.so
// RUN: %python -c "import numpy as np; np.save('%t.npy', (np.arange(16, dtype=np.float32) - 4).reshape(1, 1, 4, 4))"
// RUN: cvc-run %t.so --input x=%t.npy --iterations 1 --warmup 0 --print | FileCheck %s
// CHECK: input  x [?,1,4,4]
// CHECK: output y [?,1,4,4]
// CHECK: output p [?,1,2,2]
// CHECK: y [1,1,4,4]: 0 0 0 0 0 0 0 0 1 3 ... argmax 15
// CHECK: p [1,1,2,2]: 0 0 6 10 argmax 3
func.func @main(%x: tensor<?x1x4x4xf32> {cv.name = "x"}) -> (tensor<?x1x4x4xf32> {cv.name = "y"}, tensor<?x1x2x2xf32> {cv.name = "p"}) {
  %w = cv.constant dense<2.0> : tensor<1x1x1x1xf32>
  %b = cv.constant dense<-7.0> : tensor<1xf32>
  %c = cv.conv2d %x, %w, %b : (tensor<?x1x4x4xf32>, tensor<1x1x1x1xf32>, tensor<1xf32>) -> tensor<?x1x4x4xf32>
  %y = cv.relu %c : tensor<?x1x4x4xf32>
  %p = cv.avg_pool2d %y {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<?x1x4x4xf32>) -> tensor<?x1x2x2xf32>
  return %y, %p : tensor<?x1x4x4xf32>, tensor<?x1x2x2xf32>
}

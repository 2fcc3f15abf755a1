// A convolution whose weight is not a constant (a training step's weights
// are views of the parameter state) and the two convolution gradients take
// the staged kernels of compiler/halide/StagedConv.cpp when the channels
// divide by the vector width: the stride-2 input gradient as four phase
// convolutions with their sub-kernels (1x1, 1x2, 2x1 and 2x2 taps of the
// 3x3 window), the weight gradient as a GEMM over the 3x3 window. With all
// inputs one, each result counts the taps that reach it, times 16 channels.
// RUN: cvc %s -o %t.so
// RUN: grep -a -o "staged[a-z_]* [a-z_0-9=]*[ a-z_0-9=]*" %t.so | FileCheck %s --check-prefix=KERNELS
// RUN: %python -c "import numpy as np; [np.save('%t.' + n + '.npy', np.ones(s, np.float32)) for n, s in [('x', (1, 16, 5, 5)), ('w', (16, 16, 3, 3)), ('dy', (1, 16, 3, 3))]]"
// RUN: cvc-run %t.so --input x=%t.x.npy --input w=%t.w.npy --input dy=%t.dy.npy --iterations 1 --warmup 0 --print | FileCheck %s
// The schedules recorded are points of each kernel's space: the phases'
// shared 3x3 grid (ceil(5 / 2)) takes 3 x 2 pixel tiles.
// KERNELS-DAG: staged columns=5 rows=1 block_tile=1
// KERNELS-DAG: staged_phases columns=3 rows=2 block_tile=1
// KERNELS-DAG: staged_gemm channel_tile=2 block_tile=1 group={{[0-9]+}}
// Corners see 4 taps, edges 6, the interior 9.
// CHECK: y [1,16,5,5]: 64 96 96 96 64 96 144 144 144 96
// Input positions of stride 2, pad 1: taps per axis 1 2 1 2 1.
// CHECK: dx [1,16,5,5]: 16 32 16 32 16 32 64 32 64 32
// Output positions whose tap lands inside: 2 3 2 per axis.
// CHECK: dw [16,16,3,3]: 4 6 4 6 9 6 4 6 4 4
func.func @main(%x: tensor<1x16x5x5xf32> {cv.name = "x"}, %w: tensor<16x16x3x3xf32> {cv.name = "w"},
                %dy: tensor<1x16x3x3xf32> {cv.name = "dy"})
    -> (tensor<1x16x5x5xf32> {cv.name = "y"}, tensor<1x16x5x5xf32> {cv.name = "dx"},
        tensor<16x16x3x3xf32> {cv.name = "dw"}) {
  %y = cv.conv2d %x, %w {pads = array<i64: 1, 1, 1, 1>}
      : (tensor<1x16x5x5xf32>, tensor<16x16x3x3xf32>) -> tensor<1x16x5x5xf32>
  %dx = cv.conv2d_backward_input %dy, %w {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>}
      : (tensor<1x16x3x3xf32>, tensor<16x16x3x3xf32>) -> tensor<1x16x5x5xf32>
  %dw = cv.conv2d_backward_weight %x, %dy {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>}
      : (tensor<1x16x5x5xf32>, tensor<1x16x3x3xf32>) -> tensor<16x16x3x3xf32>
  return %y, %dx, %dw : tensor<1x16x5x5xf32>, tensor<1x16x5x5xf32>, tensor<16x16x3x3xf32>
}

// RUN: cvc-opt --verify-diagnostics --cv-build-train-step="batch=4 replace-head=2 freeze-until=fc" %s | FileCheck %s

// Transfer learning: the head gets 2 new classes, everything before the
// first parameter named fc* stays constant, and since only the head trains,
// @features computes its input once and @train_step reads features instead
// of images.
// CHECK: cv.state_slices = [{name = "fc.weight", offset = 0 : i64, shape = array<i64: 2, 8>, state = "parameters"}, {name = "fc.bias", offset = 16 : i64, shape = array<i64: 2>
// CHECK-LABEL: func.func @main
// CHECK-SAME: -> (tensor<?x2xf32> {cv.name = "y"})
// CHECK: cv.constant dense_resource<conv.weight>
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: (%{{.*}}: tensor<4x8xf32> {cv.name = "features"}, %{{.*}}: tensor<4xf32> {cv.name = "labels"}
// CHECK-NOT: cv.conv2d
// CHECK: cv.fully_connected
// CHECK-LABEL: func.func @features
// CHECK-SAME: -> (tensor<?x8xf32> {cv.name = "features"})
// CHECK: cv.conv2d
// CHECK-NOT: cv.fully_connected
// CHECK: return
func.func @main(%x: tensor<?x1x4x4xf32> {cv.name = "x"}) -> (tensor<?x5xf32> {cv.name = "y"}) {
  %w = cv.constant dense_resource<conv.weight> : tensor<2x1x3x3xf32>
  %c = cv.conv2d %x, %w {pads = array<i64: 1, 1, 1, 1>} : (tensor<?x1x4x4xf32>, tensor<2x1x3x3xf32>) -> tensor<?x2x4x4xf32>
  %r = cv.relu %c : tensor<?x2x4x4xf32>
  %p = cv.max_pool2d %r {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<?x2x4x4xf32>) -> tensor<?x2x2x2xf32>
  %f = cv.reshape %p : (tensor<?x2x2x2xf32>) -> tensor<?x8xf32>
  %fw = cv.constant dense_resource<fc.weight> : tensor<5x8xf32>
  %fb = cv.constant dense_resource<fc.bias> : tensor<5xf32>
  %y = cv.fully_connected %f, %fw, %fb : (tensor<?x8xf32>, tensor<5x8xf32>, tensor<5xf32>) -> tensor<?x5xf32>
  return %y : tensor<?x5xf32>
}

{-#
  dialect_resources: {
    builtin: {
      conv.weight: "0x04000000000000BF000000BF000000BF000000BF000000BF000000BF000000BF000000BF000000BF000000BF000000BF000000BF000000BF000000BF000000BF000000BF000000BF000000BF",
      fc.weight: "0x040000000AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C",
      fc.bias: "0x04000000000000000000000000000000000000000000000000000000"
    }
  }
#-}

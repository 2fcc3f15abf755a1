// RUN: cvc-opt --split-input-file --verify-diagnostics --cv-build-train-step="batch=4" %s | FileCheck %s
// RUN: cvc-opt --split-input-file --verify-diagnostics --cv-build-train-step="batch=4 optimizer=adam freeze=conv" %s | FileCheck %s --check-prefix=ADAM

// The weights become views of one flat `parameters` state, in @main and in
// @train_step; the gradient of each comes back as one flat concat, which
// the optimizer applies in a few elementwise ops.
// CHECK: module attributes {cv.state_slices = [{name = "conv.weight", offset = 0 : i64, shape = array<i64: 2, 1, 3, 3>, state = "parameters"}, {name = "conv.bias", offset = 18 : i64
// CHECK-SAME: {name = "fc.weight", offset = 20 : i64, shape = array<i64: 3, 32>
// CHECK-SAME: cv.states = [{init = dense_resource<initial_parameters> : tensor<119xf32>, name = "parameters", size = 119 : i64}, {name = "momentum", size = 119 : i64}]
// CHECK-LABEL: func.func @main
// CHECK-SAME: %[[P:[a-z0-9]+]]: tensor<1x119xf32> {cv.name = "parameters", cv.state = "parameters"}
// CHECK: cv.slice %[[P]] {sizes = array<i64: 1, 18>, starts = array<i64: 0, 0>
// CHECK-NOT: cv.constant
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: tensor<4x1x8x8xf32> {cv.name = "x"}, %[[L:[a-z0-9]+]]: tensor<4xf32> {cv.name = "labels"}, %[[LR:[a-z0-9]+]]: tensor<1xf32> {cv.name = "learning_rate"}, %[[TP:[a-z0-9]+]]: tensor<1x119xf32> {cv.name = "parameters", cv.state = "parameters"}, %[[M:[a-z0-9]+]]: tensor<1x119xf32> {cv.name = "momentum", cv.state = "momentum"})
// CHECK-SAME: -> (tensor<1xf32> {cv.name = "loss"}, tensor<4x3xf32> {cv.name = "logits"}, tensor<1x119xf32> {cv.name = "parameters", cv.state = "parameters"}, tensor<1x119xf32> {cv.name = "momentum", cv.state = "momentum"})
// CHECK: %[[LOGITS:.*]] = cv.fully_connected
// CHECK: %[[LOSS:.*]] = cv.softmax_cross_entropy %[[LOGITS]], %[[L]]
// CHECK: cv.softmax_cross_entropy_backward %[[LOGITS]], %[[L]]
// CHECK: cv.max_pool2d_backward
// CHECK: cv.activation_backward %{{.*}}, %{{.*}} {activation = #cv<activation relu>}
// CHECK: cv.conv2d_backward_weight
// CHECK-NOT: cv.conv2d_backward_input
// CHECK: %[[G:.*]] = cv.concat {{.*}} {axis = 1 : i64} : (tensor<1x18xf32>, tensor<1x2xf32>, tensor<1x96xf32>, tensor<1x3xf32>) -> tensor<1x119xf32>
// CHECK: %[[SCALED:.*]] = cv.mul %[[M]]
// CHECK: %[[NEWM:.*]] = cv.add %[[SCALED]], %[[G]]
// CHECK: %[[STEP:.*]] = cv.mul %[[LR]], %[[NEWM]]
// CHECK: %[[NEWP:.*]] = cv.sub %[[TP]], %[[STEP]]
// CHECK: return %[[LOSS]], %[[LOGITS]], %[[NEWP]], %[[NEWM]]

// Adam keeps two moments and reads the step count for its bias corrections; a frozen layer stays
// constant and gets no gradient.
// ADAM: cv.states = [{init = dense_resource<initial_parameters> : tensor<99xf32>, name = "parameters", size = 99 : i64}, {name = "adam_m", size = 99 : i64}, {name = "adam_v", size = 99 : i64}]
// ADAM-LABEL: func.func @train_step
// ADAM-SAME: {cv.name = "learning_rate"}, %{{.*}}: tensor<1xf32> {cv.name = "step"}
// ADAM: cv.constant dense_resource<conv.weight> : tensor<2x1x3x3xf32>
// ADAM-NOT: cv.conv2d_backward
// ADAM: cv.pow
// ADAM: cv.sqrt
func.func @main(%x: tensor<?x1x8x8xf32> {cv.name = "x"}) -> (tensor<?x3xf32> {cv.name = "y"}) {
  %w = cv.constant dense_resource<conv.weight> : tensor<2x1x3x3xf32>
  %b = cv.constant dense_resource<conv.bias> : tensor<2xf32>
  %c = cv.conv2d %x, %w, %b {pads = array<i64: 1, 1, 1, 1>} : (tensor<?x1x8x8xf32>, tensor<2x1x3x3xf32>, tensor<2xf32>) -> tensor<?x2x8x8xf32>
  %r = cv.relu %c : tensor<?x2x8x8xf32>
  %p = cv.max_pool2d %r {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<?x2x8x8xf32>) -> tensor<?x2x4x4xf32>
  %f = cv.reshape %p : (tensor<?x2x4x4xf32>) -> tensor<?x32xf32>
  %fw = cv.constant dense_resource<fc.weight> : tensor<3x32xf32>
  %fb = cv.constant dense_resource<fc.bias> : tensor<3xf32>
  %y = cv.fully_connected %f, %fw, %fb : (tensor<?x32xf32>, tensor<3x32xf32>, tensor<3xf32>) -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}

{-#
  dialect_resources: {
    builtin: {
      conv.weight: "0x040000000000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F",
      conv.bias: "0x04000000CDCCCC3DCDCCCC3D",
      fc.weight: "0x040000000AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C0AD7233C",
      fc.bias: "0x04000000000000000000000000000000"
    }
  }
#-}

// -----

// Batch-norm trains on the batch's statistics and updates the running ones
// in a `statistics` state.
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: {cv.name = "statistics", cv.state = "statistics"}
// CHECK-SAME: -> (tensor<1xf32> {cv.name = "loss"}, tensor<4x2xf32> {cv.name = "logits"}, tensor<1x4xf32> {cv.name = "parameters", cv.state = "parameters"}, tensor<1x4xf32> {cv.name = "momentum", cv.state = "momentum"}, tensor<1x4xf32> {cv.name = "statistics", cv.state = "statistics"})
// CHECK: cv.reduce %{{.*}} {axes = array<i64: 0, 2, 3>, kind = 1 : i64}
// CHECK-NOT: cv.batch_norm
// CHECK: return
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

// -----

// A static batch other than the training batch cannot be trained.
// expected-error@+1 {{training needs a dynamic batch dimension on every input}}
func.func @main(%x: tensor<1x3xf32> {cv.name = "x"}) -> tensor<1x3xf32> {
  %w = cv.constant dense<1.0> : tensor<3x3xf32>
  %y = cv.fully_connected %x, %w : (tensor<1x3xf32>, tensor<3x3xf32>) -> tensor<1x3xf32>
  return %y : tensor<1x3xf32>
}

// -----

// An op without a gradient rule is named.
func.func @main(%x: tensor<?x8x4x4xf32> {cv.name = "x"}) -> tensor<?x2xf32> {
  %w = cv.constant dense<1.0> : tensor<8x8x1x1xf32>
  %c = cv.conv2d %x, %w : (tensor<?x8x4x4xf32>, tensor<8x8x1x1xf32>) -> tensor<?x8x4x4xf32>
  // expected-error@+1 {{'cv.abs' op has no gradient rule yet}}
  %n = cv.abs %c : tensor<?x8x4x4xf32>
  %p = cv.reduce %n {kind = 1 : i64, axes = array<i64: 1, 2, 3>} : (tensor<?x8x4x4xf32>) -> tensor<?x1x1x1xf32>
  %f = cv.reshape %p : (tensor<?x1x1x1xf32>) -> tensor<?x1xf32>
  %w2 = cv.constant dense<1.0> : tensor<2x1xf32>
  %y = cv.fully_connected %f, %w2 : (tensor<?x1xf32>, tensor<2x1xf32>) -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

// -----

// Nothing to train.
// expected-error@+1 {{the model has no trainable parameters}}
func.func @main(%x: tensor<?x3xf32> {cv.name = "x"}) -> tensor<?x3xf32> {
  %r = cv.relu %x : tensor<?x3xf32>
  return %r : tensor<?x3xf32>
}

// -----

// Dropout multiplies by a mask drawn from the step count, which becomes an
// input; the gradient goes through the same product.
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: %[[STEP:[a-z0-9]+]]: tensor<1xf32> {cv.name = "step"}
// CHECK: %[[MASK:.*]] = cv.dropout_mask %[[STEP]] {ratio = 2.500000e-01 : f32, seed = 0 : i64} : (tensor<1xf32>) -> tensor<4x3xf32>
// CHECK: cv.mul %{{.*}}, %[[MASK]]
// CHECK-NOT: cv.dropout %
func.func @main(%x: tensor<?x3xf32> {cv.name = "x"}) -> tensor<?x2xf32> {
  %d = cv.dropout %x {ratio = 0.25 : f32} : tensor<?x3xf32>
  %w = cv.constant dense<1.0> : tensor<2x3xf32>
  %y = cv.fully_connected %d, %w : (tensor<?x3xf32>, tensor<2x3xf32>) -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

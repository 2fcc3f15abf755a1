// RUN: cvc-opt --split-input-file --cv-build-train-step="batch=4" %s | FileCheck %s
// RUN: cvc-opt --split-input-file --cv-build-train-step="batch=4 optimizer=adam" %s | FileCheck %s --check-prefix=ADAM

// Beside @train_step, its two halves for data-parallel hosts, which average
// the gradients between them: @train_gradients ends at the flat gradient
// (no optimizer scalar, no slot, parameters only read) and
// @apply_gradients is the update alone, on a gradient it is given.
// CHECK-LABEL: func.func @train_step
// CHECK-LABEL: func.func @train_gradients
// CHECK-SAME: (%{{.*}}: tensor<4x6xf32> {cv.name = "x"}, %[[L:[a-z0-9]+]]: tensor<4xf32> {cv.name = "labels"}, %{{.*}}: tensor<1x21xf32> {cv.name = "parameters", cv.state = "parameters"})
// CHECK-SAME: -> (tensor<1xf32> {cv.name = "loss"}, tensor<4x3xf32> {cv.name = "logits"}, tensor<21xf32> {cv.name = "gradients"})
// CHECK: cv.softmax_cross_entropy_backward
// CHECK: %[[G:.*]] = cv.concat
// CHECK-NOT: cv.sub
// CHECK: %[[FLAT:.*]] = cv.reshape %[[G]] : (tensor<1x21xf32>) -> tensor<21xf32>
// CHECK: return %{{.*}}, %{{.*}}, %[[FLAT]]
// CHECK-LABEL: func.func @apply_gradients
// CHECK-SAME: (%[[AGF:[a-z0-9]+]]: tensor<21xf32> {cv.name = "gradients"}, %[[LR:[a-z0-9]+]]: tensor<1xf32> {cv.name = "learning_rate"}, %[[P:[a-z0-9]+]]: tensor<1x21xf32> {cv.name = "parameters", cv.state = "parameters"}, %[[M:[a-z0-9]+]]: tensor<1x21xf32> {cv.name = "momentum", cv.state = "momentum"})
// CHECK-SAME: -> (tensor<1x21xf32> {cv.name = "parameters", cv.state = "parameters"}, tensor<1x21xf32> {cv.name = "momentum", cv.state = "momentum"})
// CHECK: %[[AG:.*]] = cv.reshape %[[AGF]] : (tensor<21xf32>) -> tensor<1x21xf32>
// CHECK: %[[SCALED:.*]] = cv.mul %[[M]]
// CHECK: %[[NEWM:.*]] = cv.add %[[SCALED]], %[[AG]]
// CHECK: %[[STEP:.*]] = cv.mul %[[LR]], %[[NEWM]]
// CHECK: %[[NEWP:.*]] = cv.sub %[[P]], %[[STEP]]
// CHECK: return %[[NEWP]], %[[NEWM]]

// Adam's step count is the update's alone.
// ADAM-LABEL: func.func @train_gradients
// ADAM-NOT: "step"
// ADAM-SAME: -> (
// ADAM-LABEL: func.func @apply_gradients
// ADAM-SAME: {cv.name = "gradients"}, %{{.*}}: tensor<1xf32> {cv.name = "learning_rate"}, %{{.*}}: tensor<1xf32> {cv.name = "step"}, %{{.*}} {cv.name = "parameters", cv.state = "parameters"}, %{{.*}} {cv.name = "adam_m", cv.state = "adam_m"}, %{{.*}} {cv.name = "adam_v", cv.state = "adam_v"})
// ADAM: cv.sqrt
func.func @main(%x: tensor<?x6xf32> {cv.name = "x"}) -> tensor<?x3xf32> {
  %w = cv.constant dense<0.5> : tensor<3x6xf32>
  %b = cv.constant dense<0.1> : tensor<3xf32>
  %y = cv.fully_connected %x, %w, %b : (tensor<?x6xf32>, tensor<3x6xf32>, tensor<3xf32>) -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}

// -----

// Batch norms update their running statistics in @train_gradients, where
// the batch is seen; dropout keeps the step count there for its masks, and
// takes the caller's first sample in the global batch, which @train_step
// (one process, the whole batch) does not.
// CHECK-LABEL: func.func @train_step
// CHECK: cv.dropout_mask %{{[a-z0-9]+}} {
// CHECK-LABEL: func.func @train_gradients
// CHECK-SAME: %[[STEPC:[a-z0-9]+]]: tensor<1xf32> {cv.name = "step"}, %[[OFFSET:[a-z0-9]+]]: tensor<1xf32> {cv.name = "sample_offset"}
// CHECK-SAME: {cv.name = "statistics", cv.state = "statistics"}
// CHECK-SAME: -> (tensor<1xf32> {cv.name = "loss"}, tensor<4x2xf32> {cv.name = "logits"}, tensor<4xf32> {cv.name = "gradients"}, tensor<1x4xf32> {cv.name = "statistics", cv.state = "statistics"})
// CHECK: cv.dropout_mask %[[STEPC]], %[[OFFSET]] {
// CHECK-LABEL: func.func @apply_gradients
// CHECK-NOT: statistics
// CHECK: return
func.func @main(%x: tensor<?x2x4x4xf32> {cv.name = "x"}) -> tensor<?x2xf32> {
  %s = cv.constant dense<1.0> : tensor<2xf32>
  %b = cv.constant dense<0.0> : tensor<2xf32>
  %m = cv.constant dense<0.0> : tensor<2xf32>
  %v = cv.constant dense<1.0> : tensor<2xf32>
  %y = cv.batch_norm %x, %s, %b, %m, %v : (tensor<?x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<?x2x4x4xf32>
  %d = cv.dropout %y {ratio = 0.25 : f32} : tensor<?x2x4x4xf32>
  %p = cv.reduce %d {kind = 1 : i64, axes = array<i64: 2, 3>} : (tensor<?x2x4x4xf32>) -> tensor<?x2x1x1xf32>
  %f = cv.reshape %p : (tensor<?x2x1x1xf32>) -> tensor<?x2xf32>
  return %f : tensor<?x2xf32>
}

// RUN: cvc-opt --split-input-file --cv-fold-batch-norm %s | FileCheck %s

// s = scale / sqrt(var + eps) = [4/2, 3/1] = [2, 3]; the weights [1, 2]
// become [2, 6] and the bias (b - mean) * s + shift = [0, 4].
// CHECK-LABEL: func @conv_bn
func.func @conv_bn(%x: tensor<?x1x4x4xf32>) -> tensor<?x2x4x4xf32> {
  // CHECK-DAG: %[[W:.*]] = cv.constant dense_resource<layer.bn_folded> : tensor<2x1x1x1xf32>
  // CHECK-DAG: %[[B:.*]] = cv.constant dense_resource<layer.bn_folded_bias> : tensor<2xf32>
  // CHECK: %[[C:.*]] = cv.conv2d %{{.*}}, %[[W]], %[[B]] :
  // CHECK-NOT: cv.batch_norm
  // CHECK: return %[[C]]
  // CHECK: layer.bn_folded: "0x40000000000000400000C040"
  // CHECK: layer.bn_folded_bias: "0x400000000000000000008040"
  %w = cv.constant dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>
  %b = cv.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %scale = cv.constant dense<[4.0, 3.0]> : tensor<2xf32>
  %shift = cv.constant dense<[0.0, 1.0]> : tensor<2xf32>
  %mean = cv.constant dense<[0.5, 0.0]> : tensor<2xf32>
  %var = cv.constant dense<[3.0, 0.0]> : tensor<2xf32>
  %c = cv.conv2d %x, %w, %b : (tensor<?x1x4x4xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<?x2x4x4xf32>
  %y = cv.batch_norm %c, %scale, %shift, %mean, %var {epsilon = 1.0 : f32} : (tensor<?x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<?x2x4x4xf32>
  return %y : tensor<?x2x4x4xf32>
}

// -----

// A layer without a bias gains one.
// CHECK-LABEL: func @fc_bn
func.func @fc_bn(%x: tensor<?x3xf32>) -> tensor<?x2xf32> {
  // CHECK: %[[F:.*]] = cv.fully_connected %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> tensor<?x2xf32>
  // CHECK-NOT: cv.batch_norm
  // CHECK: return %[[F]]
  %w = cv.constant dense<1.0> : tensor<2x3xf32>
  %s = cv.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %m = cv.constant dense<[0.5, 0.0]> : tensor<2xf32>
  %c = cv.fully_connected %x, %w : (tensor<?x3xf32>, tensor<2x3xf32>) -> tensor<?x2xf32>
  %y = cv.batch_norm %c, %s, %s, %m, %s : (tensor<?x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

// -----

// Left alone: one convolution feeds two batch norms (folding either would
// change what the other sees); the activation comes before the batch norm;
// the statistics are not constants; the input is not a layer.
// CHECK-LABEL: func @left_alone
func.func @left_alone(%x: tensor<1x2x4x4xf32>, %v: tensor<2xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = cv.constant dense<1.0> : tensor<2x2x1x1xf32>
  %s = cv.constant dense<[1.0, 2.0]> : tensor<2xf32>
  // CHECK: %[[A:.*]] = cv.conv2d
  // CHECK: cv.batch_norm %[[A]]
  // CHECK: cv.batch_norm %[[A]]
  %a = cv.conv2d %x, %w : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %ya = cv.batch_norm %a, %s, %s, %s, %s : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %za = cv.batch_norm %a, %s, %s, %s, %s {epsilon = 1.0e-3 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  // CHECK: %[[B:.*]] = cv.conv2d {{.*}}activation = #cv<activation relu>
  // CHECK: cv.batch_norm %[[B]]
  %b = cv.conv2d %x, %w {activation = #cv<activation relu>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %yb = cv.batch_norm %b, %s, %s, %s, %s : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  // CHECK: %[[C:.*]] = cv.conv2d
  // CHECK: cv.batch_norm %[[C]]
  %c = cv.conv2d %x, %w : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %yc = cv.batch_norm %c, %s, %s, %s, %v : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  // CHECK: cv.batch_norm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} :
  %yd = cv.batch_norm %x, %s, %s, %s, %s : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %ya, %za, %yb, %yc, %yd : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

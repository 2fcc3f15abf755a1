// cv.winograd_weights reads only a constant, so the planner makes it a
// load-time kernel: it runs when the session is created, into memory the
// model's sessions share, and model.so stores only the 3x3 filter. Here its result
// is returned, so the transform itself is checked: a filter that is 1 at
// the centre tap only gives U = G[:, 1] G[:, 1]ᵀ, and with the points 0, 1,
// -1, 1/2, -2 and the rows of Bᵀ scaled to a smallest entry of 1, G[:, 1]
// is [0, 1/6, -1/6, 8/15, -1/15, 0]: U's first row is zero and its second
// starts 0, 1/36, -1/36, 8/90.
// RUN: cvc %s -o %t.so
// RUN: cvc-run %t.so --iterations 1 --warmup 0 --print | FileCheck %s
// RUN: cvc %s --summary | FileCheck %s --check-prefix=SUMMARY
// CHECK: output u [36,1,1,1]
// CHECK: u [36,1,1,1]: 0 0 0 0 0 0 0 0.0277778 -0.0277778 0.0888889 ...
// SUMMARY: computed from the weights alone when a session is created:
// SUMMARY-NEXT: 1 winograd_weights 36x1x1x1 9 -
// SUMMARY: total: 9 parameters, 0 MACs (0), 1 kernel launches per inference
func.func @main() -> (tensor<36x1x1x1xf32> {cv.name = "u"}) {
  %w = cv.constant dense<[[[[[0.0], [0.0], [0.0]], [[0.0], [1.0], [0.0]], [[0.0], [0.0], [0.0]]]]]> : tensor<1x1x3x3x1xf32>
  %u = cv.winograd_weights %w : (tensor<1x1x3x3x1xf32>) -> tensor<36x1x1x1xf32>
  return %u : tensor<36x1x1x1xf32>
}

// RUN: cvc %s --emit=mlir --disable-pass=cv-fuse-epilogue | FileCheck %s --check-prefix=OFF
// RUN: cvc %s --emit=mlir -O0 --enable-pass=cv-fuse-epilogue | FileCheck %s --check-prefix=ON
// RUN: cvc %s --emit=mlir -o /dev/null --mlir-print-ir-after-all 2>&1 | FileCheck %s --check-prefix=IR
// RUN: cvc %s --emit=mlir -o /dev/null --mlir-timing 2>&1 | FileCheck %s --check-prefix=TIME
// RUN: not cvc %s --disable-pass=cv-fuse-everything 2>&1 | FileCheck %s --check-prefix=BAD
// Passes are selected by -O and individually by --enable-pass and
// --disable-pass; MLIR's IR printing and pass timing work from cvc.

// OFF: cv.conv2d
// OFF-NEXT: cv.relu
// ON: cv.conv2d {{.*}}activation = #cv<activation relu>
// ON-NOT: cv.relu
// IR: IR Dump After CvFoldBatchNorm (cv-fold-batch-norm)
// IR: IR Dump After CvFuseEpilogue (cv-fuse-epilogue)
// IR: IR Dump After CvVerifyLowerable (cv-verify-lowerable)
// TIME: Execution time report
// TIME: CvFuseEpilogue
// BAD: cvc: error: unknown pass 'cv-fuse-everything'; optional passes are: canonicalize cse cv-fold-batch-norm cv-fuse-epilogue
func.func @main(%x: tensor<?x3x8x8xf32>) -> tensor<?x4x6x6xf32> {
  %w = cv.constant dense<0.5> : tensor<4x3x3x3xf32>
  %c = cv.conv2d %x, %w : (tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<?x4x6x6xf32>
  %r = cv.relu %c : tensor<?x4x6x6xf32>
  return %r : tensor<?x4x6x6xf32>
}

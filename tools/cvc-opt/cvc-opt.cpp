//===- cvc-opt.cpp - the cv dialect and every cvc pass, for lit ---------===//
#include "cv/CvDialect.h"
#include "cvc/autodiff/GradientInterface.h"
#include "cvc/passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  cvc::registerCvPasses();

  mlir::DialectRegistry registry;
  registry.insert<cvc::cv::CvDialect, mlir::func::FuncDialect>();
  // --cv-build-train-step asks each op for its gradient.
  cvc::autodiff::registerGradientInterfaces(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "cvc optimizer driver\n", registry));
}

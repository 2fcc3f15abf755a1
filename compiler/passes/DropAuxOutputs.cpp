//===- DropAuxOutputs.cpp - remove training-only function results -------===//
//
// Auxiliary classifiers (GoogLeNet's two) exist for the training loss only.
// Frontends mark their results with `cv.aux_loss_weight`; inference drops
// them here, before anything else runs, so that no later pass, kernel or
// output buffer spends work on them.
//
//===----------------------------------------------------------------------===//
#include "cv/CvOps.h"
#include "cvc/passes/Passes.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Transforms/RegionUtils.h"

namespace cvc {
#define GEN_PASS_DEF_CVDROPAUXOUTPUTS
#include "cvc/passes/Passes.h.inc"
} // namespace cvc

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kAuxAttr = "cv.aux_loss_weight";

struct CvDropAuxOutputsPass : public cvc::impl::CvDropAuxOutputsBase<CvDropAuxOutputsPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    llvm::BitVector aux(func.getNumResults());
    for (unsigned i = 0; i < func.getNumResults(); ++i)
      aux[i] = static_cast<bool>(func.getResultAttr(i, kAuxAttr));
    if (aux.none())
      return;
    if (aux.all()) {
      func.emitOpError() << "every result is an auxiliary (training-only) output; "
                            "inference would have nothing to compute";
      return signalPassFailure();
    }
    for (Block &block : func.getBody())
      if (auto ret = llvm::dyn_cast<func::ReturnOp>(block.getTerminator()))
        ret->eraseOperands(aux);
    func.eraseResults(aux);
    // The auxiliary heads now compute values nobody reads.
    IRRewriter rewriter(func.getContext());
    (void)runRegionDCE(rewriter, func->getRegions());
  }
};

} // namespace

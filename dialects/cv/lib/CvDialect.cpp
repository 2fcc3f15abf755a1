//===- CvDialect.cpp - cv dialect registration --------------------------===//
#include "cv/CvDialect.h"
#include "cv/CvOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace cvc::cv;

#include "cv/CvDialect.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "cv/CvAttrs.cpp.inc"

void CvDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "cv/CvOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "cv/CvAttrs.cpp.inc"
      >();
}

TargetAttr TargetAttr::of(Operation *module) {
  return module ? module->getAttrOfType<TargetAttr>(kAttrName) : TargetAttr();
}

LogicalResult TargetAttr::verify(llvm::function_ref<InFlightDiagnostic()> emitError,
                                 StringRef halide, int64_t vectorWidth, int64_t block,
                                 int64_t cores) {
  if (halide.empty())
    return emitError() << "the Halide target string must not be empty";
  if (vectorWidth < 1 || block < 1 || cores < 1)
    return emitError() << "vector_width, block and cores must be positive, got " << vectorWidth
                       << ", " << block << " and " << cores;
  return success();
}

Operation *CvDialect::materializeConstant(OpBuilder &builder, Attribute value, Type type,
                                          Location loc) {
  auto elements = llvm::dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return builder.create<ConstantOp>(loc, elements);
}

//===- CvOps.cpp - the constant, constant data, generated op definitions ---===//
#include "Verification.h"

#include "cv/CvOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace cvc::cv;
using namespace cvc::cv::detail;

//===----------------------------------------------------------------------===//
// ConstantOp
//===----------------------------------------------------------------------===//

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

//===----------------------------------------------------------------------===//
// Constant data
//===----------------------------------------------------------------------===//

std::optional<std::vector<float>> cvc::cv::readFloatConstant(Value value) {
  auto constant = value.getDefiningOp<ConstantOp>();
  if (!constant)
    return std::nullopt;
  return floatElements(constant.getValue());
}

ConstantOp cvc::cv::createFloatConstant(OpBuilder &builder, Location loc,
                                        ArrayRef<int64_t> shape, ArrayRef<float> data,
                                        StringRef name) {
  auto type = RankedTensorType::get(shape, builder.getF32Type());
  ArrayRef<char> bytes(reinterpret_cast<const char *>(data.data()), data.size() * sizeof(float));
  auto blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, 64);
  std::string key;
  for (char c : name)
    key += (llvm::isAlnum(c) || c == '_' || c == '.') ? c : '_';
  if (key.empty() || llvm::isDigit(key[0]))
    key = "w_" + key;
  auto attr = DenseResourceElementsAttr::get(type, key, std::move(blob));
  return builder.create<ConstantOp>(loc, attr);
}

LogicalResult cvc::cv::inferAndVerify(Operation *op, std::string &message) {
  ScopedDiagnosticHandler capture(op->getContext(), [&](Diagnostic &diag) {
    if (message.empty())
      message = diag.str();
    return success();
  });
  if (auto iface = llvm::dyn_cast<InferTypeOpInterface>(op)) {
    SmallVector<Type> types;
    if (failed(iface.inferReturnTypes(op->getContext(), op->getLoc(), op->getOperands(),
                                      op->getAttrDictionary(), op->getPropertiesStorage(),
                                      op->getRegions(), types)))
      return failure();
    op->getResult(0).setType(types.front());
  } else if (op->getNumOperands() > 0 &&
             llvm::isa<UnrankedTensorType>(op->getResult(0).getType())) {
    op->getResult(0).setType(op->getOperand(0).getType());
  }
  return mlir::verify(op);
}

LogicalResult cvc::cv::verifyTensorSizes(Operation *root, int64_t maxElements) {
  WalkResult walked = root->walk([&](Operation *op) {
    for (Type t : op->getResultTypes()) {
      auto shaped = llvm::dyn_cast<RankedTensorType>(t);
      if (!shaped)
        continue;
      int64_t count = 1;
      bool over = false;
      bool empty = llvm::is_contained(shaped.getShape(), 0);
      for (int64_t d : shaped.getShape()) {
        if (ShapedType::isDynamic(d))
          continue;
        if (d > maxElements) { // even beside a 0: arithmetic on it must not overflow
          over = true;
          break;
        }
        if (empty)
          continue;
        if (count > maxElements / d) {
          over = true;
          break;
        }
        count *= d;
      }
      if (over || count > maxElements) {
        op->emitError() << "a " << t << " result is more than the limit of " << maxElements
                        << " elements (--max-elements)";
        return WalkResult::interrupt();
      }
    }
    return WalkResult::advance();
  });
  return failure(walked.wasInterrupted());
}

#include "cv/CvEnums.cpp.inc"
#include "cv/CvInterfaces.cpp.inc"

#define GET_OP_CLASSES
#include "cv/CvOps.cpp.inc"

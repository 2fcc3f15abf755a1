//===- StateLayout.cpp - weights as slices of flat session states -------===//
//
// One flat state per role, rather than one per tensor, because the
// optimizer then updates every parameter in one elementwise pass, and the
// runtime's checkpoints and weight exports are a handful of buffers plus a
// table of named slices.
//
//===----------------------------------------------------------------------===//
#include "StateLayout.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;

namespace cvc::autodiff {

int argumentNamed(func::FuncOp func, StringRef name) {
  for (unsigned i = 0; i < func.getNumArguments(); ++i)
    if (auto n = func.getArgAttrOfType<StringAttr>(i, kNameAttr); n && n.getValue() == name)
      return static_cast<int>(i);
  return -1;
}

int64_t StateSlice::size() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

namespace {

std::string constantName(cv::ConstantOp constant, size_t index) {
  if (auto resource = llvm::dyn_cast<DenseResourceElementsAttr>(constant.getValue()))
    if (auto key = resource.getRawHandle().getKey(); !key.empty())
      return key.str();
  return "tensor" + std::to_string(index);
}

bool frozen(const std::string &name, const std::vector<std::string> &prefixes) {
  return llvm::any_of(prefixes,
                      [&](const std::string &p) { return llvm::StringRef(name).starts_with(p); });
}

} // namespace

StateTensors findStateTensors(func::FuncOp func, const FreezeRule &freeze) {
  StateTensors tensors;
  llvm::DenseSet<Value> seen;
  bool reachedUntil = freeze.until.empty();
  /// Adds `v` as a state tensor; false when it stays a constant.
  auto add = [&](Value v, StateRole role) {
    auto constant = v ? v.getDefiningOp<cv::ConstantOp>() : cv::ConstantOp();
    if (!constant || !seen.insert(v).second)
      return false;
    StateSlice slice;
    slice.name = constantName(constant, tensors.slices.size());
    if (role == StateRole::Parameter) {
      reachedUntil |= llvm::StringRef(slice.name).starts_with(freeze.until);
      if (!reachedUntil || frozen(slice.name, freeze.prefixes))
        return false;
    }
    slice.role = role;
    slice.shape.assign(llvm::cast<RankedTensorType>(v.getType()).getShape().begin(),
                       llvm::cast<RankedTensorType>(v.getType()).getShape().end());
    int64_t &count = role == StateRole::Parameter ? tensors.parameterCount : tensors.statisticCount;
    slice.offset = count;
    count += slice.size();
    tensors.constants.push_back(v);
    tensors.slices.push_back(std::move(slice));
    return true;
  };
  func.walk([&](Operation *op) {
    if (auto conv = llvm::dyn_cast<cv::Conv2DOp>(op)) {
      add(conv.getWeight(), StateRole::Parameter);
      add(conv.getBias(), StateRole::Parameter);
    } else if (auto fc = llvm::dyn_cast<cv::FullyConnectedOp>(op)) {
      add(fc.getWeight(), StateRole::Parameter);
      add(fc.getBias(), StateRole::Parameter);
    } else if (auto bn = llvm::dyn_cast<cv::BatchNormOp>(op)) {
      // A frozen batch norm keeps its statistics: it normalises as at inference.
      bool trains = add(bn.getScale(), StateRole::Parameter);
      trains |= add(bn.getBias(), StateRole::Parameter);
      if (trains) {
        add(bn.getMean(), StateRole::Statistic);
        add(bn.getVariance(), StateRole::Statistic);
      }
    }
  });
  return tensors;
}

std::vector<Value> replaceWithViews(func::FuncOp func, const StateTensors &tensors,
                                    Value parameters, Value statistics) {
  OpBuilder b = OpBuilder::atBlockBegin(&func.getBody().front());
  std::vector<Value> views;
  for (auto [constant, slice] : llvm::zip(tensors.constants, tensors.slices)) {
    Value value = constant;
    Value flat = slice.role == StateRole::Parameter ? parameters : statistics;
    Location loc = value.getLoc();
    Value piece = b.create<cv::SliceOp>(loc, flat, ArrayRef<int64_t>{0, slice.offset},
                                        ArrayRef<int64_t>{1, slice.size()},
                                        ArrayRef<int64_t>{1, 1});
    Value view = b.create<cv::ReshapeOp>(
        loc, RankedTensorType::get(slice.shape, b.getF32Type()), piece);
    value.replaceAllUsesWith(view);
    views.push_back(view);
  }
  for (Value value : tensors.constants)
    if (value.use_empty())
      value.getDefiningOp()->erase();
  return views;
}

std::vector<float> initialState(const StateTensors &tensors, StateRole role) {
  std::vector<float> data;
  for (auto [value, slice] : llvm::zip(tensors.constants, tensors.slices))
    if (slice.role == role) {
      std::optional<std::vector<float>> values = cv::readFloatConstant(value);
      data.insert(data.end(), values->begin(), values->end());
    }
  return data;
}

} // namespace cvc::autodiff

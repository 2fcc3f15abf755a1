//===- Summary.cpp - `cvc --summary`: what a model costs ----------------===//
//
// The numbers the case studies quote — output shape, parameters and
// multiply-accumulates per layer — read off the kernel plan, so they describe
// what the model.so will actually run; plus what the pass pipeline and the
// memory plan changed, measured by planning the model before and after.
//
//===----------------------------------------------------------------------===//
#include "cvc/driver/Summary.h"

#include "PlanSteps.h"

#include "cvc/arena_layout.hpp"

#include "cv/CvOps.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <set>

namespace cvc::driver {
namespace {

uint64_t elements(const PlannedTensor &t) {
  uint64_t n = 1;
  for (int64_t d : t.dims)
    n *= d < 0 ? 1 : static_cast<uint64_t>(d);
  return n;
}

int root(const ModelPlan &plan, int t) {
  return plan.tensors[t].alias >= 0 ? plan.tensors[t].alias : t;
}

std::string shapeText(const std::vector<int64_t> &dims) {
  std::string s;
  for (size_t i = 0; i < dims.size(); ++i)
    s += (i ? "x" : "") + (dims[i] < 0 ? std::string("N") : std::to_string(dims[i]));
  return s;
}

std::string grouped(uint64_t v) {
  std::string digits = std::to_string(v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0)
      out += ',';
    out += digits[i];
  }
  return out;
}

std::string scaled(double v, const char *unit = "") {
  const char *suffix[] = {"", " k", " M", " G", " T"};
  int i = 0;
  while (v >= 1000.0 && i < 4) {
    v /= 1000.0;
    ++i;
  }
  std::string s;
  llvm::raw_string_ostream(s) << llvm::format(i ? "%.2f" : "%.0f", v) << suffix[i] << unit;
  return s;
}

std::string mebibytes(uint64_t bytes) {
  std::string s;
  llvm::raw_string_ostream(s) << llvm::format("%.2f MiB", bytes / (1024.0 * 1024.0));
  return s;
}

} // namespace

PlanFigures measurePlan(const ModelPlan &plan) {
  PlanFigures f;
  // Launches per run: the load-time kernels run when a session is created.
  f.kernels = static_cast<int>(plan.kernels.size()) - plan.prepare.kernelCount;
  std::set<int> weights;
  std::vector<arena::Block> blocks;
  for (const PlannedKernel &k : plan.kernels) {
    f.macs += k.macsPerImage;
    for (int t : k.args)
      if (plan.tensors[root(plan, t)].kind == TensorKind::Weight)
        weights.insert(root(plan, t));
  }
  for (int w : weights)
    f.parameters += elements(plan.tensors[w]) - plan.tensors[w].padding;
  blocks = plan::arenaBlocks(plan);
  for (const arena::Block &block : blocks)
    f.separateBytes += (block.size + arena::kAlignment - 1) / arena::kAlignment * arena::kAlignment;
  std::vector<uint64_t> offsets;
  f.arenaBytes = arena::layout(blocks, offsets);
  return f;
}

WrittenParameters countWrittenParameters(mlir::func::FuncOp func) {
  WrittenParameters counted;
  func.walk([&](cv::ConstantOp constant) {
    uint64_t n = llvm::cast<mlir::ShapedType>(constant.getType()).getNumElements();
    bool statistic = !constant->use_empty() &&
                     llvm::all_of(constant->getUses(), [](mlir::OpOperand &use) {
                       auto norm = llvm::dyn_cast<cv::BatchNormOp>(use.getOwner());
                       return norm && (use.get() == norm.getMean() ||
                                       use.get() == norm.getVariance());
                     });
    (statistic ? counted.statistics : counted.trainable) += n;
  });
  return counted;
}

void printSummary(llvm::raw_ostream &os, const ModelPlan &plan, const PlanFigures &before,
                  const WrittenParameters &written, int optLevel) {
  os << "model " << plan.modelName << " at -O" << optLevel
     << " (per image; N is the batch)\n\n";
  os << llvm::format("%4s  %-36s %-18s %14s %12s  %s\n", static_cast<const char *>("#"),
                     static_cast<const char *>("kernel"), static_cast<const char *>("output"),
                     static_cast<const char *>("parameters"), static_cast<const char *>("MACs"),
                     static_cast<const char *>("schedule"));
  std::set<int> counted;
  for (auto [i, k] : llvm::enumerate(plan.kernels)) {
    if (static_cast<int>(i) == plan.prepare.firstKernel && plan.prepare.kernelCount > 0)
      os << "      computed from the weights alone when a session is created:\n";
    uint64_t params = 0;
    for (int t : k.args) {
      int r = root(plan, t);
      if (plan.tensors[r].kind == TensorKind::Weight && counted.insert(r).second)
        params += elements(plan.tensors[r]) - plan.tensors[r].padding;
    }
    std::string label = llvm::StringRef(k.ops).starts_with("cv.") ? k.ops.substr(3) : k.ops;
    os << llvm::format("%4zu  %-36s %-18s %14s %12s  %s\n", i, label.c_str(),
                       shapeText(plan.tensors[k.args.back()].dims).c_str(),
                       params ? grouped(params).c_str() : "-",
                       k.macsPerImage ? scaled(k.macsPerImage).c_str() : "-",
                       k.scheduleSource.c_str());
  }
  PlanFigures after = measurePlan(plan);
  os << "\ntotal: " << grouped(after.parameters) << " parameters, "
     << scaled(after.macs, " MACs") << " (" << grouped(after.macs) << "), " << after.kernels
     << " kernel launches per inference\n";
  os << "as written: " << grouped(written.trainable) << " trainable parameters";
  if (written.statistics)
    os << " + " << grouped(written.statistics) << " batch-norm statistics";
  os << "\n";
  os << "pass pipeline: -O0 " << scaled(before.macs, " MACs") << " in " << before.kernels
     << " kernels -> -O" << optLevel << " " << scaled(after.macs, " MACs") << " in "
     << after.kernels << " kernels\n";
  std::vector<std::pair<int, int>> stretches = imageStretchRanges(plan);
  int imageByImage = 0;
  std::string ranges;
  for (auto [first, end] : stretches) {
    imageByImage += end - first;
    ranges += (ranges.empty() ? "" : ", ") + std::to_string(first) + "-" + std::to_string(end - 1);
  }
  os << "image by image at a batch of 2 or more: " << imageByImage << " of " << after.kernels
     << " kernels" << (ranges.empty() ? "" : " (" + ranges + ")")
     << "; the others run on the whole batch\n";
  os << "activation memory at batch 1: " << mebibytes(after.separateBytes)
     << " in separate buffers -> " << mebibytes(after.arenaBytes)
     << " in the planned arena (buffers shared by liveness)\n";
}

} // namespace cvc::driver

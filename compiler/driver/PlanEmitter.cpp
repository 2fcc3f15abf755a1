//===- PlanEmitter.cpp - ModelPlan -> C source and weight blob ----------===//
//
// The plan becomes plain C data (plan.h structs) compiled into model.so, so
// the runtime needs no parser and a model's description costs nothing to
// load. Weights are embedded with `.incbin`: the assembler copies the file
// without the compiler ever holding a 500 MB array initialiser.
//
//===----------------------------------------------------------------------===//
#include "cvc/driver/ModelPlan.h"
#include "cvc/image_stretches.hpp"
#include "cvc/plan_checksum.hpp"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <set>

namespace cvc::driver {
namespace {

std::string cString(llvm::StringRef s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
      continue;
    }
    out += c;
  }
  return out + "\"";
}

/// Calls `piece(bytes, size)` on the weight blob's contents in order: the
/// zeros that align each weight, then its bytes. One walk for the file
/// and its checksum. The plans' weights lie in ascending order, a later
/// variant's after the earlier ones' (shareWeights); a tensor placed
/// before the walk's position shares bytes already written.
template <typename Piece> void forEachBlobPiece(llvm::ArrayRef<const ModelPlan *> plans,
                                                Piece piece) {
  static const char zeros[64] = {};
  uint64_t pos = 0;
  for (const ModelPlan *plan : plans)
    for (const PlannedTensor &t : plan->tensors) {
      if (t.kind != TensorKind::Weight || t.alias >= 0 || t.offset < pos)
        continue;
      for (; pos < t.offset; pos += std::min<uint64_t>(t.offset - pos, sizeof(zeros)))
        piece(zeros, std::min<uint64_t>(t.offset - pos, sizeof(zeros)));
      piece(t.data.data(), t.data.size());
      pos += t.data.size();
    }
}

uint64_t weightsChecksum(llvm::ArrayRef<const ModelPlan *> plans) {
  checksum::Checksum64 sum;
  forEachBlobPiece(plans, [&](const char *bytes, uint64_t size) { sum.update(bytes, size); });
  return sum.finish();
}

/// The plan as the runtime will see it (plan.h structs), in the compiler's
/// memory: what the C source spells out and what the checksums cover, so
/// that both come from one mapping. Names point into `model`.
struct PlanImage {
  PlanImage(const ModelPlan &model, uint64_t blobChecksum) {
    for (const PlannedTensor &t : model.tensors) {
      cvc_plan_tensor x = {};
      x.name = t.name.c_str();
      x.kind = static_cast<int32_t>(t.kind);
      x.rank = static_cast<int32_t>(t.dims.size());
      std::copy(t.dims.begin(), t.dims.end(), x.dims);
      x.offset = t.offset;
      x.first_use = t.firstUse, x.last_use = t.lastUse, x.alias = t.alias;
      x.view_offset = t.viewOffset;
      std::copy(t.viewStrides.begin(), t.viewStrides.end(), x.strides);
      tensors.push_back(x);
    }
    for (const PlannedKernel &k : model.kernels) {
      args.emplace_back(k.args.begin(), k.args.end());
      kernels.push_back({k.name.c_str(), k.ops.c_str(), nullptr,
                         static_cast<int32_t>(k.args.size()), nullptr, k.macsPerImage,
                         k.perImage ? 1 : 0, k.schedule.c_str(), k.scheduleSource.c_str()});
    }
    for (const PlannedEntry &e : model.entries)
      entries.push_back(entry(e));
    for (const PlannedState &state : model.states)
      states.push_back({state.name.c_str(), static_cast<uint64_t>(state.size),
                        state.initTensor >= 0 ? model.tensors[state.initTensor].offset
                                              : UINT64_MAX});
    for (const PlannedSlice &slice : model.slices) {
      cvc_plan_slice x = {slice.name.c_str(), slice.state, static_cast<uint64_t>(slice.offset),
                          static_cast<int32_t>(slice.dims.size()), {}};
      std::copy(slice.dims.begin(), slice.dims.end(), x.dims);
      slices.push_back(x);
    }
    // Pointers last: the vectors no longer grow.
    for (size_t k = 0; k < kernels.size(); ++k)
      kernels[k].args = args[k].data();
    for (size_t e = 0; e < entries.size(); ++e) {
      entries[e].inputs = lists[2 * e].data();
      entries[e].outputs = lists[2 * e + 1].data();
    }
    plan.version = CVC_PLAN_VERSION;
    plan.model_name = model.modelName.c_str();
    plan.target = model.target.c_str();
    plan.tensor_count = static_cast<int32_t>(tensors.size());
    plan.tensors = tensors.data();
    plan.kernel_count = static_cast<int32_t>(kernels.size());
    plan.kernels = kernels.data();
    plan.entry_count = static_cast<int32_t>(entries.size());
    plan.entries = entries.data();
    plan.state_count = static_cast<int32_t>(states.size());
    plan.states = states.data();
    plan.slice_count = static_cast<int32_t>(slices.size());
    plan.slices = slices.data();
    plan.weights_size = model.weightsSize;
    plan.macs_per_image = model.macsPerImage;
    plan.prepare = {"prepare", model.prepare.firstKernel, model.prepare.kernelCount, 0, nullptr, 0,
                    nullptr};
    plan.prepared_size = model.preparedSize;
    plan.weights_checksum = blobChecksum;
    plan.plan_checksum = checksum::planChecksum(plan);
  }

  cvc_plan plan = {};
  std::vector<cvc_plan_tensor> tensors;
  std::vector<std::vector<int32_t>> args, lists; // kernels' arguments; entries' inputs, outputs
  std::vector<cvc_plan_kernel> kernels;
  std::vector<cvc_plan_entry> entries;
  std::vector<cvc_plan_state> states;
  std::vector<cvc_plan_slice> slices;

private:
  cvc_plan_entry entry(const PlannedEntry &e) {
    lists.emplace_back(e.inputs.begin(), e.inputs.end());
    lists.emplace_back(e.outputs.begin(), e.outputs.end());
    return {e.name.c_str(), e.firstKernel, e.kernelCount, static_cast<int32_t>(e.inputs.size()),
            nullptr, static_cast<int32_t>(e.outputs.size()), nullptr};
  }
};

template <typename T> std::string cArray(const T *values, int64_t count) {
  std::string out;
  for (int64_t i = 0; i < count; ++i)
    out += (i ? ", " : "") + std::to_string(values[i]);
  return out.empty() ? "0" : out;
}

std::string cCount(uint64_t value) { return std::to_string(value) + "ull"; }

/// Variant `v`'s plan as C: static tables suffixed `_v<v>` and the plan
/// `plan_v<v>`.
void emitVariant(llvm::raw_ostream &os, const ModelPlan &model, size_t v, uint64_t blobChecksum) {
  PlanImage image(model, blobChecksum);
  const cvc_plan &plan = image.plan;
  std::string sfx = "_v" + std::to_string(v);
  os << "\n/* Shape variant " << v << ". */\n";
  os << "static const cvc_plan_tensor tensors" << sfx << "[] = {\n";
  for (const cvc_plan_tensor &t : image.tensors)
    os << "  {" << cString(t.name) << ", " << t.kind << ", " << t.rank << ", {"
       << cArray(t.dims, t.rank) << "}, " << cCount(t.offset) << ", " << t.first_use << ", "
       << t.last_use << ", " << t.alias << ", " << t.view_offset << "ll, {"
       << cArray(t.strides, t.rank) << "}},\n";
  if (image.tensors.empty())
    os << "  {0}\n";
  os << "};\n\n";

  for (size_t k = 0; k < image.kernels.size(); ++k)
    os << "static const int32_t args" << sfx << "_" << k << "[] = {"
       << cArray(image.kernels[k].args, image.kernels[k].arg_count) << "};\n";
  os << "\nstatic const cvc_plan_kernel kernels" << sfx << "[] = {\n";
  for (size_t k = 0; k < image.kernels.size(); ++k) {
    const cvc_plan_kernel &kernel = image.kernels[k];
    os << "  {" << cString(kernel.name) << ", " << cString(kernel.ops) << ", "
       << model.functions[model.kernels[k].function].symbol << "_argv, " << kernel.arg_count
       << ", args" << sfx << "_" << k << ", " << cCount(kernel.macs_per_image) << ", "
       << kernel.per_image << ", " << cString(kernel.schedule) << ", " << cString(kernel.schedule_source) << "},\n";
  }
  if (image.kernels.empty())
    os << "  {0}\n";
  os << "};\n\n";

  for (size_t e = 0; e < image.entries.size(); ++e) {
    const cvc_plan_entry &entry = image.entries[e];
    os << "static const int32_t inputs" << sfx << "_" << e << "[] = {"
       << cArray(entry.inputs, entry.input_count) << "};\nstatic const int32_t outputs" << sfx
       << "_" << e << "[] = {" << cArray(entry.outputs, entry.output_count) << "};\n";
  }
  os << "static const cvc_plan_entry entries" << sfx << "[] = {\n";
  for (size_t e = 0; e < image.entries.size(); ++e) {
    const cvc_plan_entry &entry = image.entries[e];
    os << "  {" << cString(entry.name) << ", " << entry.first_kernel << ", " << entry.kernel_count
       << ", " << entry.input_count << ", inputs" << sfx << "_" << e << ", "
       << entry.output_count << ", outputs" << sfx << "_" << e << "},\n";
  }
  os << "};\n\nstatic const cvc_plan_state states" << sfx << "[] = {\n";
  for (const cvc_plan_state &state : image.states)
    os << "  {" << cString(state.name) << ", " << cCount(state.size) << ", "
       << (state.init_offset == UINT64_MAX ? std::string("UINT64_MAX") : cCount(state.init_offset))
       << "},\n";
  if (image.states.empty())
    os << "  {0}\n";
  os << "};\n\nstatic const cvc_plan_slice slices" << sfx << "[] = {\n";
  for (const cvc_plan_slice &slice : image.slices)
    os << "  {" << cString(slice.name) << ", " << slice.state << ", " << cCount(slice.offset)
       << ", " << slice.rank << ", {" << cArray(slice.dims, slice.rank) << "}},\n";
  if (image.slices.empty())
    os << "  {0}\n";
  os << "};\n\n"
     << "static const cvc_plan plan" << sfx << " = {\n"
     << "  CVC_PLAN_VERSION, " << cString(plan.model_name) << ", " << cString(plan.target)
     << ",\n  " << plan.tensor_count << ", tensors" << sfx << ", " << plan.kernel_count
     << ", kernels" << sfx << ",\n  " << plan.entry_count << ", entries" << sfx << ", "
     << plan.state_count << ", states" << sfx << ", " << plan.slice_count << ", slices" << sfx
     << ",\n  "
     << "cvcgen_weights, " << cCount(plan.weights_size) << ", " << cCount(plan.macs_per_image)
     << ",\n  {\"prepare\", " << plan.prepare.first_kernel << ", " << plan.prepare.kernel_count
     << ", 0, 0, 0, 0}, " << cCount(plan.prepared_size) << ",\n  "
     << cCount(plan.weights_checksum) << ", " << cCount(plan.plan_checksum) << "\n};\n";
}

} // namespace

std::vector<std::pair<int, int>> imageStretchRanges(const ModelPlan &plan) {
  PlanImage image(plan, 0);
  std::vector<std::pair<int, int>> ranges;
  for (const stretches::ImageStretch &s : stretches::imageStretches(image.plan))
    ranges.push_back({s.first, s.end});
  return ranges;
}

std::string emitPlanSource(llvm::ArrayRef<const ModelPlan *> plans) {
  uint64_t blobChecksum = weightsChecksum(plans);
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "/* Generated by cvc for model " << cString(plans.front()->modelName)
     << ". Do not edit. */\n"
     << "#include \"cvc/plan.h\"\n#include <stdint.h>\n\n"
     << "extern const unsigned char cvcgen_weights[];\n";
  std::set<std::string> declared;
  for (const ModelPlan *plan : plans)
    for (const CompiledFunction &f : plan->functions)
      if (declared.insert(f.symbol).second)
        os << "int " << f.symbol << "_argv(void **args);\n";
  for (size_t v = 0; v < plans.size(); ++v)
    emitVariant(os, *plans[v], v, blobChecksum);
  os << "\nconst cvc_plan *const cvcgen_plans[] = {";
  for (size_t v = 0; v < plans.size(); ++v)
    os << (v ? ", " : "") << "&plan_v" << v;
  os << "};\nconst int32_t cvcgen_plan_count = " << plans.size() << ";\n";
  return text;
}

mlir::LogicalResult writeWeights(llvm::ArrayRef<const ModelPlan *> plans, const std::string &binPath,
                                 const std::string &asmPath, std::string &error) {
  {
    std::error_code ec;
    llvm::raw_fd_ostream bin(binPath, ec);
    if (ec) {
      error = "cannot write " + binPath + ": " + ec.message();
      return mlir::failure();
    }
    forEachBlobPiece(plans, [&](const char *bytes, uint64_t size) { bin.write(bytes, size); });
    bin.close();
    if (bin.has_error()) {
      error = "cannot write " + binPath + ": " + bin.error().message();
      bin.clear_error();
      return mlir::failure();
    }
  }
  std::error_code ec;
  llvm::raw_fd_ostream s(asmPath, ec);
  if (ec) {
    error = "cannot write " + asmPath + ": " + ec.message();
    return mlir::failure();
  }
  s << "\t.section .rodata.cvc_weights,\"a\",@progbits\n"
    << "\t.balign 64\n"
    << "\t.globl cvcgen_weights\n"
    << "\t.hidden cvcgen_weights\n"
    << "\t.type cvcgen_weights,@object\n"
    << "cvcgen_weights:\n"
    << "\t.incbin " << cString(binPath) << "\n"
    << "\t.byte 0\n"
    << "\t.size cvcgen_weights, .-cvcgen_weights\n"
    << "\t.section .note.GNU-stack,\"\",@progbits\n";
  return mlir::success();
}

} // namespace cvc::driver

//===- GpuPlacement.cpp - proof that a GPU kernel computes nothing on the host -===//
//
// Halide computes on the host every Func whose schedule puts it outside a
// GPU loop: a forgotten compute_root, a stage an autoscheduler left plain.
// That would run, slowly and with copies across the bus, and look correct.
// So before a GPU kernel is compiled its lowered statement is searched for
// stores outside every GPU block and thread loop; one is an error naming
// the buffer it writes.
//
//===----------------------------------------------------------------------===//
#include "cvc/halide/GpuPlacement.h"

#include <set>

namespace cvc::halide {
namespace {

using namespace Halide::Internal;

class HostStoreFinder : public IRVisitor {
public:
  std::set<std::string> hostWritten;

private:
  int gpuDepth = 0;

  using IRVisitor::visit;

  void visit(const For *loop) override {
    bool gpu = loop->for_type == ForType::GPUBlock || loop->for_type == ForType::GPUThread ||
               loop->for_type == ForType::GPULane || loop->device_api == Halide::DeviceAPI::CUDA;
    gpuDepth += gpu;
    IRVisitor::visit(loop);
    gpuDepth -= gpu;
  }

  void visit(const Store *store) override {
    if (gpuDepth == 0)
      hostWritten.insert(store->name);
    IRVisitor::visit(store);
  }
};

} // namespace

std::string hostComputedBuffers(const Halide::Module &module) {
  HostStoreFinder finder;
  for (const LoweredFunc &function : module.functions())
    function.body.accept(&finder);
  std::string names;
  for (const std::string &name : finder.hostWritten)
    names += (names.empty() ? "" : ", ") + name;
  return names;
}

} // namespace cvc::halide

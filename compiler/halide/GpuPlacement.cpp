//===- GpuPlacement.cpp - proof that a GPU kernel computes nothing on the host -===//
//
// Halide computes on the host every Func whose schedule puts it outside a
// GPU loop: a forgotten compute_root, a stage an autoscheduler left plain.
// That would run, slowly and with copies across the bus, and look correct.
// Lowering for a GPU target moves every GPU loop into the device code, so
// what is left in the module's functions is host code, which for a cvc
// kernel only sets up buffers and launches: any store in it is a stage
// computed on the host, an error naming the buffer it writes.
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
  using IRVisitor::visit;

  void visit(const Store *store) override {
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

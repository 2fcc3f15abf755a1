//===- Autoschedule.cpp - Halide 14's autoschedulers as an algorithm ----===//
//
// A family that builds its algorithm apart from its schedule (the build
// returns right after the algorithm at an autoschedule point) offers the
// "autoschedule" algorithm: Halide's Mullapudi2016, Adams2019 or Li2018
// plugin (shipped with Debian's libhalide14 beside libHalide14.so) then
// schedules the kernel, given the target's cores, this machine's
// last-level cache and the point's balance. Everything the plugin reads is
// in the point or the target, so the same point schedules the same way
// again when `cvc --tuning-db` compiles it.
//
// Unlike a family's own points, which compute the same at any legal point
// and any batch by construction (unit.schedules), an autoscheduler's
// schedule is only as good as what it was told: given a batch estimate
// above 1 they split the dynamic batch and failed or computed garbage at
// smaller batches (Li2018 read index -1 at batch 1; Adams2019 on the
// Winograd kernel left infinities at batch 2 of an estimate of 4). So the
// batch is always estimated as 1, which they never split, and cvc-tune
// checks each candidate's output at two batches before it may be chosen;
// `cvc` never carries such a point over to another kernel as a warm start.
//
//===----------------------------------------------------------------------===//
#include "Family.h"

#include <dlfcn.h>

#include <fstream>
#include <mutex>
#include <set>

namespace cvc::halide {
namespace {

enum Autoscheduler : int64_t { kMullapudi2016 = 0, kAdams2019 = 1, kLi2018 = 2 };

struct SchedulerInfo {
  const char *label;  ///< the point's text
  const char *plugin; ///< libautoschedule_<plugin>.so
  const char *name;   ///< the name it registers
};

const SchedulerInfo kSchedulers[] = {{"mullapudi2016", "mullapudi2016", "Mullapudi2016"},
                                     {"adams2019", "adams2019", "Adams2019"},
                                     {"li2018", "li2018", "Li2018"}};

/// The folder of the plugins: halide14/ beside the loaded libHalide14.so.
std::string pluginFolder() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void *>(&Halide::load_plugin), &info) && info.dli_fname) {
    std::string path = info.dli_fname;
    size_t slash = path.rfind('/');
    if (slash != std::string::npos)
      return path.substr(0, slash) + "/halide14";
  }
  return "/usr/lib/x86_64-linux-gnu/halide14";
}

/// Loads `info`'s plugin once per process (a second registration of its
/// name is an error in Halide).
void loadPlugin(const SchedulerInfo &info) {
  static std::mutex mutex;
  static std::set<std::string> loaded;
  std::lock_guard<std::mutex> lock(mutex);
  if (loaded.count(info.name))
    return;
  Halide::load_plugin(pluginFolder() + "/libautoschedule_" + info.plugin + ".so");
  loaded.insert(info.name);
}

} // namespace

uint64_t lastLevelCacheBytes() {
  uint64_t best = 0;
  for (int index = 0; index < 8; ++index) {
    std::ifstream file("/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) +
                       "/size");
    std::string text;
    if (!(file >> text) || text.empty())
      continue;
    uint64_t value = std::strtoull(text.c_str(), nullptr, 10);
    char unit = text.back();
    value *= unit == 'K' ? 1024 : unit == 'M' ? 1024 * 1024 : 1;
    best = std::max(best, value);
  }
  return best ? best : 16ull << 20;
}

namespace {

/// Halide order, a dynamic batch as `batch`.
Halide::Region estimatesOf(mlir::Value v, int batch) {
  Halide::Region region;
  for (int64_t extent : halideShape(v))
    region.push_back({0, static_cast<int>(extent < 0 ? batch : extent)});
  return region;
}

} // namespace

void addAutoscheduleAlgorithm(ScheduleSpace &space, const KernelContext &context) {
  ScheduleAlgorithm &a = space.addAlgorithm("autoschedule");
  std::vector<int64_t> values;
  std::vector<std::string> labels;
  for (int64_t i = 0; i < static_cast<int64_t>(std::size(kSchedulers)); ++i) {
    // Of Halide 14's three, only Li2018 writes GPU schedules.
    if (context.gpu() && i != kLi2018)
      continue;
    values.push_back(i);
    labels.push_back(kSchedulers[i].label);
  }
  a.add("scheduler", values, labels);
  // The cost of a load against an arithmetic operation (Halide's generic
  // machine: 40).
  a.add("balance", {10, 40, 160});
}

bool isAutoscheduled(const SchedulePoint &point) { return point.algorithm() == "autoschedule"; }

SchedulePoint gpuAutoschedulePoint() {
  return SchedulePoint("autoschedule").set("scheduler", kLi2018).set("balance", 40);
}

mlir::LogicalResult applyAutoscheduler(Kernel &kernel, const SchedulePoint &point,
                                       const KernelContext &context, std::string &error) {
  try {
    const SchedulerInfo &info = kSchedulers[point.get("scheduler")];
    loadPlugin(info);
    constexpr int batch = 1; // see above
    for (size_t i = 0; i < kernel.params.size(); ++i)
      kernel.params[i].set_estimates(estimatesOf(kernel.inputs[i], batch));
    Halide::Func out = kernel.pipeline.outputs()[0];
    out.set_estimates(estimatesOf(kernel.output, batch));
    Halide::MachineParams machine(std::max(1, context.cores), lastLevelCacheBytes(),
                                  static_cast<float>(point.get("balance")));
    kernel.pipeline.auto_schedule(info.name, context.target, machine);
    return mlir::success();
  } catch (const Halide::Error &e) {
    error = e.what();
  } catch (const std::exception &e) {
    error = e.what();
  }
  return mlir::failure();
}

} // namespace cvc::halide

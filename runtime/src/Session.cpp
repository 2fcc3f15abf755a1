//===- Session.cpp - running a plan: binding, arena, kernel calls -------===//
//
// A session owns the activation arena and one halide_buffer_t per plan
// tensor. Shapes depend only on the batch, so buffers and arena offsets are
// recomputed only when the batch changes. Activations share the arena by
// liveness: two tensors overlap in memory only if no kernel touches both
// during the interval between their first and last use.
//
// The plan's `prepare` kernels compute, from the weights alone, values too
// large to store in model.so (Winograd-transformed 3x3 weights, 4x their
// filters). They run when the first session is created, into a block that
// the model's sessions then share (read-only) and that the last one frees:
// a host running one session per thread needs the memory once, as it did
// when model.so held those values. Filters read by nothing else are then
// released from memory; their pages stay in the file mapping and come back
// if touched again.
//
// Every session has its own threads (ThreadPool.h): its kernels' parallel
// loops, the prepare kernels included, run on the caller and the session's
// workers, so two sessions with different thread counts each get theirs.
//
// At a batch of two or more, stretches of kernels that keep images apart
// run image by image, each thread taking a cache-sized chunk of images in
// turn (cvc/image_stretches.hpp); the tensors living inside a stretch then
// take one chunk's memory per thread instead of the whole batch's.
//
//===----------------------------------------------------------------------===//
#include "CudaDevice.h"
#include "KernelAllocator.h"
#include "OutputParts.h"
#include "cvc/status/Status.h"
#include "PlanCheck.h"
#include "ThreadPool.h"

#include "cvc/arena_layout.hpp"
#include "cvc/image_stretches.hpp"
#include "cvc/cvc.h"
#include "cvc/plan.h"

#include <HalideRuntime.h>

#include <sched.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

using cvc::runtime::makeStatus;

namespace {

constexpr size_t kAlignment = cvc::arena::kAlignment;

thread_local std::string halideMessage;

/// `bytes` rounded up to whole alignment units, at least one: a size that
/// std::aligned_alloc accepts.
size_t alignedSize(size_t bytes) {
  bytes = std::max(bytes, kAlignment);
  return (bytes + kAlignment - 1) / kAlignment * kAlignment;
}

/// madvise(`advice`) over the whole pages inside [begin, begin + bytes).
void adviseWholePages(const void *begin, size_t bytes, int advice) {
  long page = sysconf(_SC_PAGESIZE);
  if (page <= 0)
    return;
  auto start = reinterpret_cast<uintptr_t>(begin);
  uintptr_t first = (start + page - 1) / page * page, last = (start + bytes) / page * page;
  if (first < last)
    madvise(reinterpret_cast<void *>(first), last - first, advice);
}

/// The prepared block of one plan of the model in this library (each
/// model.so has its own runtime), shared by its sessions: computed when a
/// session is created and none holds it, freed with the last session
/// holding it.
struct SharedPrepared {
  std::mutex mutex; ///< held while the block is computed: one computes, the others wait
  std::weak_ptr<void> block;
};

void captureHalideError(void *, const char *message) {
  halideMessage = message ? message : "";
}

/// Calls `kernel` on `buffers` (one per plan tensor): Halide's result, its
/// message in this thread's halideMessage.
int callKernel(const cvc_plan_kernel &kernel, halide_buffer_t *buffers) {
  void *small[16];
  std::vector<void *> big;
  void **args = small;
  if (kernel.arg_count > 16) {
    big.resize(kernel.arg_count);
    args = big.data();
  }
  for (int a = 0; a < kernel.arg_count; ++a)
    args[a] = &buffers[kernel.args[a]];
  halideMessage.clear();
  return kernel.fn(args);
}

cvc_status kernelFailure(const cvc_plan_kernel &kernel, int rc, const std::string &message,
                         bool loadTime) {
  return makeStatus(CVC_INTERNAL, std::string(loadTime ? "creating the session: load-time " : "") +
                                      "kernel " + kernel.name + " (" + kernel.ops +
                                      ") failed with Halide error " + std::to_string(rc) +
                                      (message.empty() ? "" : ": " + message));
}

std::string shapeText(const int64_t *dims, int rank) {
  std::string s = "[";
  for (int i = 0; i < rank; ++i)
    s += (i ? "," : "") + (dims[i] < 0 ? std::string("?") : std::to_string(dims[i]));
  return s + "]";
}

int64_t elementCount(const cvc_plan_tensor &t, int64_t batch) {
  int64_t n = 1;
  for (int i = 0; i < t.rank; ++i)
    n *= t.dims[i] < 0 ? batch : t.dims[i];
  return n;
}

bool hasDynamicBatch(const cvc_plan_tensor &t) { return t.rank > 0 && t.dims[0] < 0; }

/// One core's cache: its L2 as the C library reports it, 1 MiB when it
/// does not know (a virtual machine may hide it), within [256 KiB, 8 MiB].
uint64_t coreCacheBytes() {
  static const uint64_t bytes = [] {
    long l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
    return std::clamp<uint64_t>(l2 > 0 ? static_cast<uint64_t>(l2) : uint64_t(1) << 20,
                                uint64_t(256) << 10, uint64_t(8) << 20);
  }();
  return bytes;
}

/// The cores this process may run on (its affinity mask), at least one.
int availableCores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0)
    return std::max(CPU_COUNT(&set), 1);
  return std::max(static_cast<int>(std::thread::hardware_concurrency()), 1);
}

} // namespace

/// A span of the library's plans: the whole model (every shape variant),
/// or one variant (cvc_model_variant).
struct cvc_model_s {
  const cvc_plan *const *plans;
  int32_t count;
  int32_t first;             ///< index of plans[0] among the library's plans
  SharedPrepared *prepared;  ///< one per plan of the span
  const cvc_plan &plan() const { return *plans[0]; }
};

namespace {

/// The model of this library, checked once per process: the whole model,
/// then (with several variants) one handle per variant.
struct GeneratedModel {
  std::unique_ptr<SharedPrepared[]> prepared;
  std::vector<cvc_model_s> handles;
  cvc_status_code code = CVC_OK;
  std::string error;

  GeneratedModel() {
    int32_t count = cvcgen_plan_count;
    if (count < 1 || count > 4096) {
      fail(CVC_INTERNAL, "model.so is damaged (changed after cvc wrote it?): its count of plans "
                         "is invalid");
      return;
    }
    for (int32_t v = 0; v < count; ++v)
      if (!cvcgen_plans[v] || cvcgen_plans[v]->version != CVC_PLAN_VERSION) {
        fail(CVC_INTERNAL, "the model's plan version does not match its runtime");
        return;
      }
    std::string damage = cvc::runtime::checkVariants(cvcgen_plans, count);
    if (!damage.empty()) {
      fail(CVC_INTERNAL, "model.so is damaged (changed after cvc wrote it?): " + damage);
      return;
    }
    prepared.reset(new SharedPrepared[count]);
    handles.push_back({cvcgen_plans, count, 0, prepared.get()});
    for (int32_t v = 0; count > 1 && v < count; ++v)
      handles.push_back({cvcgen_plans + v, 1, v, prepared.get() + v});
  }

  void fail(cvc_status_code c, std::string message) {
    code = c;
    error = std::move(message);
  }
};

const GeneratedModel &generatedModel() {
  static const GeneratedModel model;
  return model;
}

/// One variant's plan as a session runs it: its buffers and arena offsets
/// (laid out for one batch), its prepared block, its last profile.
struct Binding {
  const cvc_plan *plan = nullptr;
  SharedPrepared *shared = nullptr;
  int64_t batch = -1; ///< batch the buffers and offsets are laid out for
  std::vector<halide_buffer_t> buffers;
  std::vector<std::array<halide_dimension_t, CVC_PLAN_MAX_RANK>> dims;
  std::vector<uint64_t> offsets; ///< arena offset of each activation root
  int64_t profiledBatch = 0;
  std::vector<double> seconds;
  std::vector<int32_t> threadsUsed; ///< per kernel, in the last profiled run
  /// The PREPARED tensors, computed by the prepare kernels; shared with
  /// the model's other sessions.
  std::shared_ptr<void> preparedBlock;
  void *prepared = nullptr;

  /// Running image by image (cvc/image_stretches.hpp): the plan's
  /// stretches, the one starting at each kernel (or -1), and per tensor
  /// the stretch whose streams each hold it (or -1).
  std::vector<cvc::stretches::ImageStretch> stretches;
  std::vector<int> stretchAt;
  std::vector<int> streamLocal;
  /// For the bound batch: its streams (0: every kernel runs on the whole
  /// batch), the images each stretch gives a stream at once, stream s's
  /// roots at arena + streamBase + s * streamSize + their offset, each
  /// tensor's bytes from one image to the next, and the buffers each
  /// stream calls kernels with (the batch extent set per call).
  int streams = 0;
  bool imageByImage = false; ///< what bind() was asked for
  std::vector<int64_t> chunks;
  uint64_t streamBase = 0, streamSize = 0;
  std::vector<int64_t> imageBytes;
  std::vector<std::vector<std::array<halide_dimension_t, CVC_PLAN_MAX_RANK>>> streamDims;
  std::vector<std::vector<halide_buffer_t>> streamBuffers;
};

/// A caller tensor's shape as text; its rank as the caller wrote it may
/// be anything.
std::string givenShapeText(const cvc_tensor &given) {
  return shapeText(given.dims, std::max(0, std::min(given.rank, CVC_MAX_RANK)));
}

/// Whether `given` has the shape of plan tensor `want` (any batch >= 1
/// where it is dynamic).
bool matchesShape(const cvc_tensor &given, const cvc_plan_tensor &want) {
  if (given.rank != want.rank)
    return false;
  for (int i = 0; i < want.rank; ++i)
    if (want.dims[i] >= 0 ? given.dims[i] != want.dims[i]
                          : given.dims[i] < 1 || given.dims[i] > INT32_MAX)
      return false;
  return true;
}

} // namespace

struct cvc_session_s {
  /// Variant 0's plan: states, entries and names are the same in every variant.
  const cvc_plan *plan = nullptr;
  std::mutex mutex;
  /// One per variant of the model the session was created on.
  std::vector<Binding> bindings;
  /// The binding last run (profiles report it); read without the mutex.
  std::atomic<size_t> current{0};
  /// The variants' activations take turns in one arena (runs are serialised).
  void *arena = nullptr;
  size_t arenaSize = 0;
  /// The kernels' threads: this session's alone.
  std::unique_ptr<cvc::runtime::ThreadPool> pool;
  bool profiling = false;
  /// CVC_WHOLE_BATCH=1 in the environment when the session was created:
  /// every kernel runs on the whole batch (to compare, or to rule the
  /// image-by-image runs out when looking for a problem).
  bool wholeBatch = false;
  /// Told when parts of a run's outputs are final (a data-parallel host).
  cvc_output_ready_fn outputReady = nullptr;
  void *outputReadyData = nullptr;
  /// One buffer per plan state, kept across runs (training).
  std::vector<float *> states;

  ~cvc_session_s() {
    std::free(arena);
    for (float *state : states)
      std::free(state);
  }

  /// Allocates the states and sets their initial values.
  cvc_status initStates();

  /// Shares the model's prepared block of `b`'s plan, or allocates it and
  /// runs the prepare kernels into it.
  cvc_status prepare(Binding &b);

  /// Lays out `b`'s buffers and the arena for `newBatch`, with the
  /// stretches run image by image or not.
  cvc_status bind(Binding &b, int64_t newBatch, bool imageByImage);
  /// Runs `stretch` of `b`'s kernels on `batch` images, a chunk at a time
  /// on each of `b.streams` threads.
  cvc_status runStretch(Binding &b, const cvc::stretches::ImageStretch &stretch, int64_t batch);
  cvc_status run(Binding &b, const cvc_plan_entry &entry, const cvc_tensor *inputs,
                 size_t inputCount, cvc_tensor *outputs, size_t outputCount);

  /// Runs entry `entry` of the variant whose shapes `inputs` match.
  cvc_status runEntry(size_t entry, const cvc_tensor *inputs, size_t inputCount,
                      cvc_tensor *outputs, size_t outputCount);
};

cvc_status cvc_session_s::initStates() {
  for (int i = 0; i < plan->state_count; ++i) {
    const cvc_plan_state &state = plan->states[i];
    size_t bytes = alignedSize(state.size * sizeof(float));
    auto *buffer = static_cast<float *>(std::aligned_alloc(kAlignment, bytes));
    if (!buffer)
      return makeStatus(CVC_OUT_OF_MEMORY, std::string("cannot allocate state '") + state.name +
                                               "' (" + std::to_string(bytes) + " bytes)");
    states.push_back(buffer);
    if (state.init_offset == UINT64_MAX)
      std::memset(buffer, 0, state.size * sizeof(float));
    else
      std::memcpy(buffer, plan->weights + state.init_offset, state.size * sizeof(float));
  }
  return nullptr;
}

/// Drops the resident pages of the weights that prepare kernel `k` was the
/// last to read, when only prepare kernels read them: nothing reads those
/// bytes again unless another session is created. Released kernel by
/// kernel, so that a layer's filters and its transformed weights are not
/// all resident at once. The blob is read-only data of model.so's file
/// mapping: its pages are clean, and a later read faults them back in.
static void releasePreparedInputs(const cvc_plan &plan, int k) {
  for (int t = 0; t < plan.tensor_count; ++t) {
    const cvc_plan_tensor &tensor = plan.tensors[t];
    if (tensor.kind != CVC_TENSOR_WEIGHT || tensor.alias >= 0 ||
        tensor.first_use < plan.prepare.first_kernel || tensor.last_use != k)
      continue;
    adviseWholePages(plan.weights + tensor.offset,
                     static_cast<size_t>(elementCount(tensor, 1)) * sizeof(float), MADV_DONTNEED);
  }
}

cvc_status cvc_session_s::prepare(Binding &b) {
  const cvc_plan *plan = b.plan;
  if (plan->prepare.kernel_count == 0)
    return nullptr;
  std::lock_guard<std::mutex> lock(b.shared->mutex);
  if ((b.preparedBlock = b.shared->block.lock())) {
    b.prepared = b.preparedBlock.get();
    return nullptr;
  }
  size_t bytes = alignedSize(plan->prepared_size);
  void *prepared = std::aligned_alloc(kAlignment, bytes);
  if (!prepared)
    return makeStatus(CVC_OUT_OF_MEMORY, "cannot allocate " + std::to_string(bytes) +
                                             " bytes for the weights computed at load time");
  b.preparedBlock = std::shared_ptr<void>(prepared, std::free);
  b.prepared = prepared;
#ifdef MADV_HUGEPAGE
  // Hundreds of MB written once: 2 MB pages fault 512 times less often.
  adviseWholePages(prepared, bytes, MADV_HUGEPAGE);
#endif
  if (cvc_status s = run(b, plan->prepare, nullptr, 0, nullptr, 0)) {
    b.preparedBlock.reset();
    b.prepared = nullptr;
    return s;
  }
  b.shared->block = b.preparedBlock;
  return nullptr;
}

cvc_status cvc_session_s::bind(Binding &b, int64_t newBatch, bool imageByImage) {
  const cvc_plan *plan = b.plan;
  int count = plan->tensor_count;
  if (b.stretchAt.empty()) {
    b.stretches = cvc::stretches::imageStretches(*plan);
    b.stretchAt.assign(plan->kernel_count, -1);
    for (size_t s = 0; s < b.stretches.size(); ++s)
      b.stretchAt[b.stretches[s].first] = static_cast<int>(s);
    b.streamLocal = cvc::stretches::streamLocalRoots(*plan, b.stretches);
  }
  // As many images at once as one core's cache holds for the stretch's
  // widest kernel: a small network's kernels then run on several images a
  // call, as on the whole batch. Not fewer for more threads: a kernel's
  // result may depend on the batch extent it is called with (a fully
  // connected layer's few-row path), and the thread count must not change
  // the result. One stream per thread, at most one per whole chunk.
  b.chunks.assign(b.stretches.size(), 1);
  int64_t wholeChunks = 0;
  for (size_t s = 0; imageByImage && newBatch >= 2 && s < b.stretches.size(); ++s) {
    uint64_t fit = coreCacheBytes() / std::max<uint64_t>(b.stretches[s].imageWorkingBytes, 1);
    b.chunks[s] = static_cast<int64_t>(
        std::clamp<uint64_t>(fit, 1, static_cast<uint64_t>(newBatch)));
    wholeChunks = std::max(wholeChunks, newBatch / b.chunks[s]);
  }
  int streams = static_cast<int>(std::min<int64_t>(pool->threadCount(), wholeChunks));
  // Whole-batch roots share the arena by liveness; a stretch's kernels run
  // at once for different images, so a root touched inside a stretch is
  // live through all of it. Stream-local roots are laid out once, for one
  // chunk, and repeated per stream after the whole-batch ones.
  std::vector<int> roots, localRoots;
  std::vector<cvc::arena::Block> blocks, localBlocks;
  for (int t = 0; t < count; ++t) {
    const cvc_plan_tensor &tensor = plan->tensors[t];
    if (tensor.kind != CVC_TENSOR_ACTIVATION || tensor.alias >= 0 || tensor.first_use < 0)
      continue;
    if (streams && b.streamLocal[t] >= 0) {
      localRoots.push_back(t);
      localBlocks.push_back(
          {static_cast<uint64_t>(elementCount(tensor, b.chunks[b.streamLocal[t]])) * sizeof(float),
           tensor.first_use, tensor.last_use});
      continue;
    }
    cvc::arena::Block block{static_cast<uint64_t>(elementCount(tensor, newBatch)) * sizeof(float),
                            tensor.first_use, tensor.last_use};
    for (size_t i = 0; streams && i < b.stretches.size(); ++i) {
      const cvc::stretches::ImageStretch &s = b.stretches[i];
      if (block.firstUse >= s.first && block.firstUse < s.end)
        block.firstUse = s.first;
      if (block.lastUse >= s.first && block.lastUse < s.end)
        block.lastUse = s.end - 1;
    }
    roots.push_back(t);
    blocks.push_back(block);
  }
  std::vector<uint64_t> blockOffsets, localOffsets;
  uint64_t shared = alignedSize(cvc::arena::layout(blocks, blockOffsets));
  uint64_t perStream = alignedSize(cvc::arena::layout(localBlocks, localOffsets));
  uint64_t total = shared + static_cast<uint64_t>(streams) * perStream;
  std::vector<uint64_t> offsets(count, 0);
  for (size_t i = 0; i < roots.size(); ++i)
    offsets[roots[i]] = blockOffsets[i];
  for (size_t i = 0; i < localRoots.size(); ++i)
    offsets[localRoots[i]] = localOffsets[i];
  if (total > arenaSize) {
    void *grown = std::aligned_alloc(kAlignment, alignedSize(total));
    if (!grown)
      return makeStatus(CVC_OUT_OF_MEMORY, "cannot allocate " + std::to_string(total) +
                                               " bytes of activation memory for batch " +
                                               std::to_string(newBatch));
    std::free(arena);
    arena = grown;
    arenaSize = total;
  }
  b.offsets = std::move(offsets);
  b.buffers.assign(count, halide_buffer_t{});
  b.dims.resize(count);
  for (int t = 0; t < count; ++t) {
    const cvc_plan_tensor &tensor = plan->tensors[t];
    halide_buffer_t &buffer = b.buffers[t];
    buffer.type = halide_type_t(halide_type_float, 32, 1);
    buffer.dimensions = tensor.rank;
    buffer.dim = b.dims[t].data();
    bool strided = tensor.strides[0] != 0;
    int32_t stride = 1;
    for (int i = 0; i < tensor.rank; ++i) {
      int64_t extent = tensor.dims[tensor.rank - 1 - i];
      int32_t s = strided ? static_cast<int32_t>(tensor.strides[tensor.rank - 1 - i]) : stride;
      b.dims[t][i] = halide_dimension_t(0, static_cast<int32_t>(extent < 0 ? newBatch : extent), s);
      stride *= b.dims[t][i].extent;
    }
  }
  b.streams = streams;
  b.imageByImage = imageByImage;
  b.streamBase = shared;
  b.streamSize = perStream;
  b.imageBytes.assign(count, 0);
  for (int t = 0; t < count; ++t)
    if (hasDynamicBatch(plan->tensors[t]))
      b.imageBytes[t] = cvc::stretches::imageStride(*plan, t) * static_cast<int64_t>(sizeof(float));
  b.streamDims.assign(streams, b.dims);
  b.streamBuffers.assign(streams, b.buffers);
  for (int s = 0; s < streams; ++s)
    for (int t = 0; t < count; ++t)
      b.streamBuffers[s][t].dim = b.streamDims[s][t].data();
  b.batch = newBatch;
  return nullptr;
}

/// The element type a C host wrote, read as the integer it is: any value
/// may arrive, and loading one outside the enum's values into a C++ enum is
/// undefined behaviour.
static int32_t elementTypeOf(const cvc_tensor &t) {
  static_assert(sizeof(t.type) == sizeof(int32_t), "cvc_element_type is an int");
  int32_t type;
  std::memcpy(&type, &t.type, sizeof(type));
  return type;
}

cvc_status cvc_session_s::run(Binding &b, const cvc_plan_entry &entry, const cvc_tensor *inputs,
                              size_t inputCount, cvc_tensor *outputs, size_t outputCount) {
  const cvc_plan *plan = b.plan;
  std::string what = std::string(entry.name) == "main" ? "the model" : std::string("'") + entry.name + "'";
  if (inputCount != static_cast<size_t>(entry.input_count))
    return makeStatus(CVC_INVALID_ARGUMENT, what + " takes " + std::to_string(entry.input_count) +
                                                " inputs, got " + std::to_string(inputCount));
  if (outputCount != static_cast<size_t>(entry.output_count))
    return makeStatus(CVC_INVALID_ARGUMENT, what + " has " + std::to_string(entry.output_count) +
                                                " outputs, got " + std::to_string(outputCount));
  if ((inputCount && !inputs) || (outputCount && !outputs))
    return makeStatus(CVC_INVALID_ARGUMENT, "null tensor array");

  // Check every caller tensor against the plan and find the batch.
  int64_t runBatch = -1;
  std::string batchFrom;
  auto check = [&](const cvc_tensor &given, int index, const char *role) -> cvc_status {
    const cvc_plan_tensor &want = plan->tensors[index];
    std::string label = std::string(role) + " '" + want.name + "'";
    if (!given.data)
      return makeStatus(CVC_INVALID_ARGUMENT, label + ": data pointer is null");
    if (elementTypeOf(given) != CVC_FLOAT32)
      return makeStatus(CVC_INVALID_ARGUMENT, label + ": element type must be CVC_FLOAT32");
    if (!matchesShape(given, want))
      return makeStatus(CVC_INVALID_ARGUMENT,
                        label + ": expected shape " + shapeText(want.dims, want.rank) + ", got " +
                            givenShapeText(given));
    if (hasDynamicBatch(want)) {
      if (runBatch >= 0 && given.dims[0] != runBatch)
        return makeStatus(CVC_INVALID_ARGUMENT,
                          label + ": batch " + std::to_string(given.dims[0]) + " differs from " +
                              batchFrom + "'s batch " + std::to_string(runBatch));
      runBatch = given.dims[0];
      batchFrom = label;
    }
    return nullptr;
  };
  for (size_t i = 0; i < inputCount; ++i)
    if (cvc_status s = check(inputs[i], entry.inputs[i], "input"))
      return s;
  for (size_t i = 0; i < outputCount; ++i)
    if (cvc_status s = check(outputs[i], entry.outputs[i], "output"))
      return s;
  // An entry without a dynamic batch (a training step) keeps the bound one.
  if (runBatch < 0)
    runBatch = b.batch > 0 ? b.batch : 1;
  // Kernels index buffers with 32-bit integers.
  for (int t = 0; t < plan->tensor_count; ++t)
    if (hasDynamicBatch(plan->tensors[t]) && elementCount(plan->tensors[t], runBatch) > INT32_MAX)
      return makeStatus(CVC_INVALID_ARGUMENT,
                        "batch " + std::to_string(runBatch) + " is too large: tensor '" +
                            plan->tensors[t].name + "' would exceed 2^31-1 elements");

  // A host told of outputs kernel by kernel sees them whole-batch: the
  // layout then has no per-stream tensors.
  bool imageByImage = !wholeBatch && !(outputReady && &entry != &plan->prepare);
  if (runBatch != b.batch || imageByImage != b.imageByImage)
    if (cvc_status s = bind(b, runBatch, imageByImage))
      return s;

  int count = plan->tensor_count;
  std::vector<void *> storage(count, nullptr);
  for (int t = 0; t < count; ++t) {
    const cvc_plan_tensor &tensor = plan->tensors[t];
    if (tensor.kind == CVC_TENSOR_WEIGHT)
      storage[t] = const_cast<unsigned char *>(plan->weights) + tensor.offset;
    else if (tensor.kind == CVC_TENSOR_ACTIVATION && tensor.alias < 0)
      storage[t] = static_cast<char *>(arena) +
                   (b.streams && b.streamLocal[t] >= 0 ? b.streamBase : 0) + b.offsets[t];
    else if (tensor.kind == CVC_TENSOR_STATE)
      storage[t] = states[tensor.offset];
    else if (tensor.kind == CVC_TENSOR_PREPARED && tensor.alias < 0)
      storage[t] = static_cast<char *>(b.prepared) + tensor.offset;
  }
  for (size_t i = 0; i < inputCount; ++i)
    storage[entry.inputs[i]] = inputs[i].data;
  for (size_t i = 0; i < outputCount; ++i)
    storage[entry.outputs[i]] = outputs[i].data;
  for (int t = 0; t < count; ++t) {
    const cvc_plan_tensor &tensor = plan->tensors[t];
    int root = tensor.alias >= 0 ? tensor.alias : t;
    // A view of another entry's input or output has no storage in this
    // run (no kernel of it reads the view); offsetting null would be
    // undefined (UBSan caught it in a data-parallel step's second entry).
    auto *base = static_cast<uint8_t *>(storage[root]);
    b.buffers[t].host =
        base ? base + (tensor.alias >= 0 ? tensor.view_offset * sizeof(float) : 0) : nullptr;
  }

  halide_set_error_handler(captureHalideError);
  cvc::runtime::installKernelAllocator();
  cvc::runtime::ScopedPool onOwnThreads(*pool);
  if (profiling) {
    b.seconds.assign(plan->kernel_count, 0.0);
    b.threadsUsed.assign(plan->kernel_count, 0);
    (void)pool->takeParticipants();
    // MACs are per image: a static-batch entry (a training step) runs its
    // first input's batch.
    b.profiledBatch = runBatch;
    if (entry.input_count > 0 && !hasDynamicBatch(plan->tensors[entry.inputs[0]]) &&
        plan->tensors[entry.inputs[0]].rank > 0)
      b.profiledBatch = plan->tensors[entry.inputs[0]].dims[0];
  }
  std::vector<std::vector<cvc::runtime::OutputPart>> parts;
  if (outputReady && &entry != &plan->prepare)
    parts = cvc::runtime::outputPartsByKernel(*plan, entry, runBatch);
  auto announce = [&](size_t position) {
    for (const cvc::runtime::OutputPart &part : parts[position])
      outputReady(outputReadyData, part.output, part.first, part.count);
  };
  bool runStretches = b.streams > 0 && &entry != &plan->prepare;
  for (int k = entry.first_kernel; k < entry.first_kernel + entry.kernel_count; ++k) {
    if (runStretches && b.stretchAt[k] >= 0) {
      const cvc::stretches::ImageStretch &stretch = b.stretches[b.stretchAt[k]];
      if (cvc_status s = runStretch(b, stretch, runBatch))
        return s;
      k = stretch.end - 1;
      continue;
    }
    const cvc_plan_kernel &kernel = plan->kernels[k];
    auto start = std::chrono::steady_clock::now();
    int rc = callKernel(kernel, b.buffers.data());
    if (profiling) {
      b.seconds[k] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      b.threadsUsed[k] = pool->takeParticipants();
    }
    if (rc == 0 && &entry == &plan->prepare)
      releasePreparedInputs(*plan, k);
    if (rc != 0)
      return kernelFailure(kernel, rc, halideMessage, &entry == &plan->prepare);
    if (!parts.empty())
      announce(static_cast<size_t>(k - entry.first_kernel));
  }
  if (!parts.empty())
    announce(static_cast<size_t>(entry.kernel_count));
  return nullptr;
}

cvc_status cvc_session_s::runStretch(Binding &b, const cvc::stretches::ImageStretch &stretch,
                                     int64_t batch) {
  const cvc_plan &plan = *b.plan;
  const int streams = b.streams, length = stretch.end - stretch.first;
  struct Failure {
    int kernel = -1, rc = 0;
    std::string message;
    bool outOfMemory = false;
  };
  std::vector<Failure> failures(streams);
  // Profiles give each kernel its share of the run's wall time: images run
  // `streams` at a time count 1/streams of theirs.
  std::vector<std::vector<double>> seconds(profiling ? streams : 0,
                                           std::vector<double>(length, 0.0));
  // Threads seen in the chunks run with every thread inside each kernel.
  std::vector<int32_t> threads(length, 1);
  // Images [first, first + count) through the stretch on stream s's
  // buffers.
  auto runImages = [&](int s, int64_t first, int64_t count, bool streamed) -> int {
    std::vector<halide_buffer_t> &buffers = b.streamBuffers[s];
    uint8_t *local = static_cast<uint8_t *>(arena) + b.streamBase + s * b.streamSize;
    for (int t : stretch.tensors) {
      const cvc_plan_tensor &tensor = plan.tensors[t];
      int root = tensor.alias >= 0 ? tensor.alias : t;
      if (!hasDynamicBatch(tensor)) {
        buffers[t].host = b.buffers[t].host;
        continue;
      }
      b.streamDims[s][t][tensor.rank - 1].extent = static_cast<int32_t>(count);
      if (b.streamLocal[root] >= 0)
        buffers[t].host = local + b.offsets[root] +
                          (tensor.alias >= 0 ? tensor.view_offset * sizeof(float) : 0);
      else
        buffers[t].host = b.buffers[t].host + first * b.imageBytes[t];
    }
    for (int k = stretch.first; k < stretch.end; ++k) {
      auto start = std::chrono::steady_clock::now();
      int rc = callKernel(plan.kernels[k], buffers.data());
      if (profiling) {
        double elapsed =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        seconds[s][k - stretch.first] += streamed ? elapsed / streams : elapsed;
        if (!streamed)
          threads[k - stretch.first] =
              std::max(threads[k - stretch.first], pool->takeParticipants());
      }
      if (rc != 0) {
        failures[s] = {k, rc, halideMessage};
        return rc;
      }
    }
    return 0;
  };

  // Each stream takes the next chunk of images while whole chunks are left
  // for every stream; the rest run one chunk after the other with every
  // thread inside each kernel, so that no thread idles through the last.
  const int64_t chunk = b.chunks[b.stretchAt[stretch.first]];
  const int64_t chunks = batch / chunk;
  const int64_t streamedChunks = streams > 1 ? chunks - chunks % streams : 0;
  std::atomic<int64_t> next{0};
  // A stream runs on a pool thread: nothing may unwind out of it.
  auto stream = [&](int s) -> int {
    try {
      for (int64_t c; (c = next.fetch_add(1, std::memory_order_relaxed)) < streamedChunks;)
        if (int rc = runImages(s, c * chunk, chunk, true))
          return rc;
    } catch (const std::bad_alloc &) {
      failures[s].outOfMemory = true;
      failures[s].rc = -1;
      return -1;
    }
    return 0;
  };
  using Stream = decltype(stream);
  halide_task_t task = [](void *, int s, uint8_t *closure) -> int {
    return (*reinterpret_cast<Stream *>(closure))(s);
  };
  if (streamedChunks > 0)
    (void)pool->parallelFor(nullptr, task, 0, streams, reinterpret_cast<uint8_t *>(&stream));
  bool failed = std::any_of(failures.begin(), failures.end(), [](const Failure &f) { return f.rc; });
  for (int64_t first = streamedChunks * chunk; !failed && first < batch; first += chunk)
    failed = runImages(0, first, std::min(chunk, batch - first), false) != 0;

  if (profiling) {
    for (int k = stretch.first; k < stretch.end; ++k) {
      b.seconds[k] = 0;
      for (const std::vector<double> &s : seconds)
        b.seconds[k] += s[k - stretch.first];
      b.threadsUsed[k] = streamedChunks > 0 ? streams : threads[k - stretch.first];
    }
    (void)pool->takeParticipants();
  }
  for (const Failure &f : failures) {
    if (f.outOfMemory)
      return makeStatus(CVC_OUT_OF_MEMORY, "out of memory while running kernels " +
                                               std::string(plan.kernels[stretch.first].name) +
                                               " to " + plan.kernels[stretch.end - 1].name +
                                               " image by image");
    if (f.rc != 0)
      return kernelFailure(plan.kernels[f.kernel], f.rc, f.message, false);
  }
  return nullptr;
}

/// "x [1,3,224,224]" for each input of entry `entry` of `plan`.
static std::string entryShapes(const cvc_plan &plan, size_t entry) {
  const cvc_plan_entry &e = plan.entries[entry];
  std::string text;
  for (int i = 0; i < e.input_count; ++i) {
    const cvc_plan_tensor &t = plan.tensors[e.inputs[i]];
    text += (i ? ", " : "") + std::string(t.name) + " " + shapeText(t.dims, t.rank);
  }
  return text;
}

cvc_status cvc_session_s::runEntry(size_t entry, const cvc_tensor *inputs, size_t inputCount,
                                   cvc_tensor *outputs, size_t outputCount) {
  // One variant, a wrong count or a null array: the variant's own checks
  // name the problem.
  size_t chosen = 0;
  if (bindings.size() > 1 && inputs &&
      inputCount == static_cast<size_t>(plan->entries[entry].input_count)) {
    chosen = bindings.size();
    for (size_t v = 0; v < bindings.size() && chosen == bindings.size(); ++v) {
      const cvc_plan &p = *bindings[v].plan;
      const cvc_plan_entry &e = p.entries[entry];
      bool all = true;
      for (size_t i = 0; all && i < inputCount; ++i)
        all = matchesShape(inputs[i], p.tensors[e.inputs[i]]);
      if (all)
        chosen = v;
    }
    if (chosen == bindings.size()) {
      std::string given;
      for (size_t i = 0; i < inputCount; ++i)
        given += (i ? ", " : "") +
                 std::string(plan->tensors[plan->entries[entry].inputs[i]].name) + " " +
                 givenShapeText(inputs[i]);
      std::string compiled;
      for (size_t v = 0; v < bindings.size(); ++v)
        compiled += (v ? "; " : "") + entryShapes(*bindings[v].plan, entry);
      return makeStatus(CVC_INVALID_ARGUMENT, "no shape variant of the model matches the inputs (" +
                                                  given + "); it was compiled for: " + compiled);
    }
  }
  Binding &b = bindings[chosen];
  current = chosen;
  return run(b, b.plan->entries[entry], inputs, inputCount, outputs, outputCount);
}

extern "C" {

uint32_t cvc_abi_version(void) { return CVC_ABI_VERSION; }

cvc_status cvc_model_get(const cvc_model **out_model) {
  if (!out_model)
    return makeStatus(CVC_INVALID_ARGUMENT, "out_model is null");
  const GeneratedModel &generated = generatedModel();
  if (generated.code != CVC_OK) {
    *out_model = nullptr;
    return makeStatus(generated.code, generated.error);
  }
  *out_model = &generated.handles[0];
  return nullptr;
}

size_t cvc_model_variant_count(const cvc_model *model) { return model ? model->count : 0; }

cvc_status cvc_model_variant(const cvc_model *model, size_t variant,
                             const cvc_model **out_variant) {
  if (!model || !out_variant)
    return makeStatus(CVC_INVALID_ARGUMENT, "model and out_variant must not be null");
  if (variant >= static_cast<size_t>(model->count))
    return makeStatus(CVC_INVALID_ARGUMENT, "variant " + std::to_string(variant) +
                                                " is out of range (the model has " +
                                                std::to_string(model->count) + ")");
  *out_variant = model->count == 1 ? model
                                   : &generatedModel().handles[1 + model->first + variant];
  return nullptr;
}

const char *cvc_model_name(const cvc_model *model) { return model ? model->plan().model_name : ""; }
const char *cvc_model_target(const cvc_model *model) { return model ? model->plan().target : ""; }
const char *cvc_model_device(const cvc_model *model) {
  if (!model)
    return "";
  return cvc::runtime::targetUsesCuda(model->plan().target) ? "cuda" : "cpu";
}
size_t cvc_model_input_count(const cvc_model *model) { return cvc_model_entry_input_count(model, 0); }
size_t cvc_model_output_count(const cvc_model *model) {
  return cvc_model_entry_output_count(model, 0);
}
uint64_t cvc_model_macs_per_image(const cvc_model *model) {
  return model ? model->plan().macs_per_image : 0;
}

static bool validEntry(const cvc_model *model, size_t entry) {
  return model && entry < static_cast<size_t>(model->plan().entry_count);
}

size_t cvc_model_entry_count(const cvc_model *model) {
  return model ? model->plan().entry_count : 0;
}

const char *cvc_model_entry_name(const cvc_model *model, size_t entry) {
  return validEntry(model, entry) ? model->plan().entries[entry].name : "";
}

cvc_status cvc_model_find_entry(const cvc_model *model, const char *name, size_t *out_entry) {
  if (!model || !name || !out_entry)
    return makeStatus(CVC_INVALID_ARGUMENT, "model, name and out_entry must not be null");
  for (int e = 0; e < model->plan().entry_count; ++e)
    if (std::strcmp(model->plan().entries[e].name, name) == 0) {
      *out_entry = static_cast<size_t>(e);
      return nullptr;
    }
  return makeStatus(CVC_INVALID_ARGUMENT,
                    std::string("the model has no entry point '") + name + "'" +
                        (std::strcmp(name, "train_step") == 0
                             ? "; compile it with `cvc --train` to train it"
                             : ""));
}

size_t cvc_model_entry_input_count(const cvc_model *model, size_t entry) {
  return validEntry(model, entry) ? model->plan().entries[entry].input_count : 0;
}

size_t cvc_model_entry_output_count(const cvc_model *model, size_t entry) {
  return validEntry(model, entry) ? model->plan().entries[entry].output_count : 0;
}

static cvc_status tensorInfo(const cvc_model *model, size_t entry, size_t index, bool input,
                             cvc_tensor_info *out_info) {
  if (!model || !out_info)
    return makeStatus(CVC_INVALID_ARGUMENT, "model and out_info must not be null");
  if (!validEntry(model, entry))
    return makeStatus(CVC_INVALID_ARGUMENT, "entry index " + std::to_string(entry) +
                                                " is out of range");
  const cvc_plan_entry &e = model->plan().entries[entry];
  size_t count = input ? e.input_count : e.output_count;
  if (index >= count)
    return makeStatus(CVC_INVALID_ARGUMENT, std::string(input ? "input" : "output") + " index " +
                                                std::to_string(index) + " is out of range (" +
                                                std::to_string(count) + ")");
  const cvc_plan_tensor &t = model->plan().tensors[input ? e.inputs[index] : e.outputs[index]];
  out_info->name = t.name;
  out_info->type = CVC_FLOAT32;
  out_info->rank = t.rank;
  for (int i = 0; i < CVC_MAX_RANK; ++i)
    out_info->dims[i] = i < t.rank ? t.dims[i] : 0;
  // The variants agree on names and ranks (checked when loaded); -1 where
  // their extents differ.
  for (int32_t v = 1; v < model->count; ++v) {
    const cvc_plan &p = *model->plans[v];
    const cvc_plan_entry &ev = p.entries[entry];
    const cvc_plan_tensor &tv = p.tensors[input ? ev.inputs[index] : ev.outputs[index]];
    for (int i = 0; i < t.rank; ++i)
      if (tv.dims[i] != out_info->dims[i])
        out_info->dims[i] = -1;
  }
  return nullptr;
}

cvc_status cvc_model_input_info(const cvc_model *model, size_t index, cvc_tensor_info *out_info) {
  return tensorInfo(model, 0, index, true, out_info);
}

cvc_status cvc_model_output_info(const cvc_model *model, size_t index,
                                 cvc_tensor_info *out_info) {
  return tensorInfo(model, 0, index, false, out_info);
}

cvc_status cvc_model_entry_input_info(const cvc_model *model, size_t entry, size_t index,
                                      cvc_tensor_info *out_info) {
  return tensorInfo(model, entry, index, true, out_info);
}

cvc_status cvc_model_entry_output_info(const cvc_model *model, size_t entry, size_t index,
                                       cvc_tensor_info *out_info) {
  return tensorInfo(model, entry, index, false, out_info);
}

size_t cvc_model_state_count(const cvc_model *model) {
  return model ? model->plan().state_count : 0;
}

cvc_status cvc_model_state_info(const cvc_model *model, size_t index, cvc_state_info *out_info) {
  if (!model || !out_info)
    return makeStatus(CVC_INVALID_ARGUMENT, "model and out_info must not be null");
  if (index >= static_cast<size_t>(model->plan().state_count))
    return makeStatus(CVC_INVALID_ARGUMENT, "state index " + std::to_string(index) +
                                                " is out of range");
  out_info->name = model->plan().states[index].name;
  out_info->elements = model->plan().states[index].size;
  return nullptr;
}

size_t cvc_model_slice_count(const cvc_model *model) {
  return model ? model->plan().slice_count : 0;
}

cvc_status cvc_model_slice_info(const cvc_model *model, size_t index, cvc_slice_info *out_info) {
  if (!model || !out_info)
    return makeStatus(CVC_INVALID_ARGUMENT, "model and out_info must not be null");
  if (index >= static_cast<size_t>(model->plan().slice_count))
    return makeStatus(CVC_INVALID_ARGUMENT, "slice index " + std::to_string(index) +
                                                " is out of range");
  const cvc_plan_slice &slice = model->plan().slices[index];
  out_info->name = slice.name;
  out_info->state = slice.state;
  out_info->offset = slice.offset;
  out_info->rank = slice.rank;
  for (int i = 0; i < CVC_MAX_RANK; ++i)
    out_info->dims[i] = i < slice.rank ? slice.dims[i] : 0;
  return nullptr;
}

void cvc_session_options_init(cvc_session_options *out_options) {
  if (out_options) {
    out_options->num_threads = 0;
    out_options->device_ordinal = 0;
  }
}

cvc_status cvc_session_create(const cvc_model *model, const cvc_session_options *options,
                              cvc_session **out_session) {
  if (!model || !out_session)
    return makeStatus(CVC_INVALID_ARGUMENT, "model and out_session must not be null");
  *out_session = nullptr;
  int threads = options ? options->num_threads : 0;
  if (threads < 0)
    return makeStatus(CVC_INVALID_ARGUMENT, "num_threads must be >= 0");
  const char *target = model->plans[0]->target;
  if (cvc::runtime::targetUsesCuda(target)) {
    if (cvc_status status = cvc::runtime::openCudaDevice(options ? options->device_ordinal : 0,
                                                         target))
      return status;
    // The kernels are compiled for the GPU and the device is there; what
    // is missing is the session's side: the activation arena and weights
    // in device memory, and the copies of inputs and outputs.
    return makeStatus(CVC_UNSUPPORTED,
                      "this model runs its kernels on an NVIDIA GPU (target " +
                          std::string(target) +
                          "); this cvc compiles such models but cannot run them yet");
  }
  cvc_session *session = new (std::nothrow) cvc_session;
  if (!session)
    return makeStatus(CVC_OUT_OF_MEMORY, "cannot allocate a session");
  session->plan = model->plans[0];
  const char *wholeBatch = std::getenv("CVC_WHOLE_BATCH");
  session->wholeBatch = wholeBatch && std::strcmp(wholeBatch, "1") == 0;
  if (threads == 0)
    threads = availableCores();
  cvc_status status = nullptr;
  try {
    // First: the prepare kernels run on it.
    session->pool = std::make_unique<cvc::runtime::ThreadPool>(threads);
    for (int32_t v = 0; v < model->count; ++v) {
      Binding b;
      b.plan = model->plans[v];
      b.shared = &model->prepared[v];
      session->bindings.push_back(std::move(b));
    }
    status = session->initStates();
    for (size_t v = 0; !status && v < session->bindings.size(); ++v)
      status = session->prepare(session->bindings[v]);
  } catch (const std::bad_alloc &) {
    status = makeStatus(CVC_OUT_OF_MEMORY, "out of memory while creating the session");
  } catch (const std::system_error &e) {
    status = makeStatus(CVC_OUT_OF_MEMORY, "cannot start the session's " +
                                               std::to_string(threads) + " threads: " + e.what());
  }
  if (status) {
    delete session;
    return status;
  }
  *out_session = session;
  return nullptr;
}

void cvc_session_free(cvc_session *session) { delete session; }

cvc_status cvc_session_run(cvc_session *session, const cvc_tensor *inputs, size_t input_count,
                           cvc_tensor *outputs, size_t output_count) {
  return cvc_session_run_entry(session, 0, inputs, input_count, outputs, output_count);
}

cvc_status cvc_session_run_entry(cvc_session *session, size_t entry, const cvc_tensor *inputs,
                                 size_t input_count, cvc_tensor *outputs, size_t output_count) {
  if (!session)
    return makeStatus(CVC_INVALID_ARGUMENT, "session is null");
  if (entry >= static_cast<size_t>(session->plan->entry_count))
    return makeStatus(CVC_INVALID_ARGUMENT, "entry index " + std::to_string(entry) +
                                                " is out of range");
  std::lock_guard<std::mutex> lock(session->mutex);
  try {
    return session->runEntry(entry, inputs, input_count, outputs, output_count);
  } catch (const std::bad_alloc &) {
    return makeStatus(CVC_OUT_OF_MEMORY, "out of memory while running the model");
  }
}

static cvc_status checkState(const cvc_session *session, size_t index, const void *data,
                             uint64_t count) {
  if (!session || !data)
    return makeStatus(CVC_INVALID_ARGUMENT, "session and data must not be null");
  if (index >= session->states.size())
    return makeStatus(CVC_INVALID_ARGUMENT, "state index " + std::to_string(index) +
                                                " is out of range");
  const cvc_plan_state &state = session->plan->states[index];
  if (count != state.size)
    return makeStatus(CVC_INVALID_ARGUMENT, std::string("state '") + state.name + "' holds " +
                                                std::to_string(state.size) + " elements, not " +
                                                std::to_string(count));
  return nullptr;
}

cvc_status cvc_session_read_state(cvc_session *session, size_t index, float *data,
                                  uint64_t count) {
  if (cvc_status s = checkState(session, index, data, count))
    return s;
  std::lock_guard<std::mutex> lock(session->mutex);
  std::memcpy(data, session->states[index], count * sizeof(float));
  return nullptr;
}

cvc_status cvc_session_write_state(cvc_session *session, size_t index, const float *data,
                                   uint64_t count) {
  if (cvc_status s = checkState(session, index, data, count))
    return s;
  std::lock_guard<std::mutex> lock(session->mutex);
  std::memcpy(session->states[index], data, count * sizeof(float));
  return nullptr;
}

void cvc_session_set_output_ready(cvc_session *session, cvc_output_ready_fn fn,
                                  void *user_data) {
  if (!session)
    return;
  std::lock_guard<std::mutex> lock(session->mutex);
  session->outputReady = fn;
  session->outputReadyData = user_data;
}

void cvc_session_set_profiling(cvc_session *session, int enabled) {
  if (session) {
    std::lock_guard<std::mutex> lock(session->mutex);
    session->profiling = enabled != 0;
  }
}

size_t cvc_session_kernel_count(const cvc_session *session) {
  return session ? session->bindings[session->current].plan->kernel_count : 0;
}

cvc_status cvc_session_kernel_profile(const cvc_session *session, size_t index,
                                      cvc_kernel_profile *out_profile) {
  if (!session || !out_profile)
    return makeStatus(CVC_INVALID_ARGUMENT, "session and out_profile must not be null");
  const Binding &b = session->bindings[session->current];
  if (index >= static_cast<size_t>(b.plan->kernel_count))
    return makeStatus(CVC_INVALID_ARGUMENT, "kernel index out of range");
  const cvc_plan_kernel &k = b.plan->kernels[index];
  out_profile->name = k.name;
  out_profile->ops = k.ops;
  out_profile->schedule = k.schedule;
  out_profile->schedule_source = k.schedule_source;
  out_profile->seconds = index < b.seconds.size() ? b.seconds[index] : 0.0;
  out_profile->threads = index < b.threadsUsed.size() ? b.threadsUsed[index] : 0;
  out_profile->macs = k.macs_per_image * static_cast<uint64_t>(std::max<int64_t>(b.profiledBatch, 1));
  return nullptr;
}

} // extern "C"

//===- cvc.hpp - a header-only C++17 API over cvc.h -------------*- C++ -*-===//
//
// RAII over the C ABI of cvc-compiled models, for C++ hosts:
//
//   cvc::Model model("resnet18.so");            // dlopen; throws cvc::Error
//   cvc::Session session(model);                 // all cores
//   std::vector<float> image(3 * 224 * 224), scores(1000);
//   session.run({{image.data(), {1, 3, 224, 224}}}, {{scores.data(), {1, 1000}}});
//
// Every model.so exports the same cvc_* names, so a Model reaches its
// library through a table of functions resolved with dlsym: several models
// live side by side in one process. A host that links one model.so directly
// (cvc_add_model's target) uses Model::linked() instead.
//
// Tensors are views (pointer + shape): nothing is copied on the way in or
// out. Errors are exceptions carrying the status's code and message.
// Header-only and C++17, so it needs no library of its own: link -ldl.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_CVC_HPP
#define CVC_CVC_HPP

#include "cvc/cvc.h"

#include <dlfcn.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace cvc {

/// A failed cvc call: the status's code and message.
class Error : public std::runtime_error {
public:
  Error(cvc_status_code code, const std::string &message)
      : std::runtime_error(message), code_(code) {}
  cvc_status_code code() const noexcept { return code_; }

private:
  cvc_status_code code_;
};

/// Throws a failed status of a library the program links (libcvc_data,
/// libcvc_train: they export the cvc_status functions) as an Error, after
/// freeing it; nothing for success. Statuses of a model reached through a
/// Model go through its own functions (ModelFunctions::check).
inline void check(cvc_status status) {
  if (!status)
    return;
  cvc_status_code code = cvc_status_code_of(status);
  std::string message = cvc_status_message(status);
  cvc_status_free(status);
  throw Error(code, message.empty() ? "unknown error" : message);
}

/// Every function of cvc.h, as pointers into one model library. The list is
/// the ABI's: a library lacking any of them is not a cvc model.
#define CVC_API_FUNCTIONS(X)                                                                    \
  X(cvc_abi_version) X(cvc_status_code_of) X(cvc_status_message) X(cvc_status_free)            \
  X(cvc_model_get) X(cvc_model_name) X(cvc_model_target) X(cvc_model_device)                   \
  X(cvc_model_input_count)                                                                     \
  X(cvc_model_output_count) X(cvc_model_input_info) X(cvc_model_output_info)                   \
  X(cvc_model_macs_per_image) X(cvc_session_options_init) X(cvc_session_create)                \
  X(cvc_session_free) X(cvc_session_run) X(cvc_session_set_profiling)                          \
  X(cvc_session_kernel_count) X(cvc_session_kernel_profile) X(cvc_model_entry_count)           \
  X(cvc_model_entry_name) X(cvc_model_find_entry) X(cvc_model_entry_input_count)               \
  X(cvc_model_entry_output_count) X(cvc_model_entry_input_info) X(cvc_model_entry_output_info)  \
  X(cvc_session_run_entry) X(cvc_model_state_count) X(cvc_model_state_info)                    \
  X(cvc_model_slice_count) X(cvc_model_slice_info) X(cvc_session_read_state)                   \
  X(cvc_session_write_state) X(cvc_model_variant_count) X(cvc_model_variant)                  \
  X(cvc_session_set_output_ready)

struct ModelFunctions {
#define CVC_DECLARE(name) decltype(&::name) name = nullptr;
  CVC_API_FUNCTIONS(CVC_DECLARE)
#undef CVC_DECLARE

  /// Resolves every function in `handle` (from dlopen). Returns the first
  /// missing name, or "" when all were found.
  std::string resolve(void *handle) {
#define CVC_RESOLVE(fn)                                                                         \
  fn = reinterpret_cast<decltype(fn)>(dlsym(handle, #fn));                                      \
  if (!fn)                                                                                      \
    return #fn;
    CVC_API_FUNCTIONS(CVC_RESOLVE)
#undef CVC_RESOLVE
    return "";
  }

  /// Resolves `handle`'s functions and checks its ABI version: "" when it
  /// is a model this program can use, else why not (`what` names it). A
  /// library of another version is reported as such even where it lacks
  /// functions this version added.
  std::string bind(void *handle, const std::string &what) {
    std::string missing = resolve(handle);
    if (std::string error = versionError(what); !error.empty())
      return error;
    if (!missing.empty())
      return what + ": not a cvc model library (it does not export " + missing + ")";
    return "";
  }

  /// "" when the library (its version function found) implements this
  /// program's ABI version, else why not.
  std::string versionError(const std::string &what) const {
    if (!cvc_abi_version || cvc_abi_version() == CVC_ABI_VERSION)
      return "";
    return what + ": built for cvc ABI version " + std::to_string(cvc_abi_version()) +
           ", this program expects " + std::to_string(CVC_ABI_VERSION);
  }

  /// The status's message ("" for success), freeing it.
  std::string take(cvc_status status) const {
    if (!status)
      return "";
    std::string message = cvc_status_message(status);
    cvc_status_free(status);
    return message.empty() ? "unknown error" : message;
  }

  /// Throws the status as an Error (after freeing it); nothing for success.
  void check(cvc_status status) const {
    if (!status)
      return;
    cvc_status_code code = cvc_status_code_of(status);
    throw Error(code, take(status));
  }
};

/// A tensor the caller owns, seen through a pointer and a shape (row-major
/// float32). Nothing is copied.
struct TensorView {
  float *data = nullptr;
  std::vector<int64_t> shape;

  TensorView() = default;
  TensorView(float *data, std::vector<int64_t> shape) : data(data), shape(std::move(shape)) {}
  TensorView(const float *data, std::vector<int64_t> shape)
      : data(const_cast<float *>(data)), shape(std::move(shape)) {}

  /// Product of the extents.
  int64_t elements() const {
    int64_t count = 1;
    for (int64_t extent : shape)
      count *= extent;
    return count;
  }
};

/// One input or output of an entry; -1 marks a dynamic extent (the batch).
struct TensorInfo {
  std::string name;
  std::vector<int64_t> shape;
};

namespace detail {

/// The loaded library, shared by the Model and its Sessions so that either
/// may outlive the other.
struct Library {
  void *handle = nullptr; // null for a model linked into the program
  ModelFunctions api;

  ~Library() {
    if (handle)
      dlclose(handle);
  }
};

inline TensorInfo toInfo(const cvc_tensor_info &info) {
  TensorInfo result;
  result.name = info.name ? info.name : "";
  result.shape.assign(info.dims, info.dims + info.rank);
  return result;
}

inline std::vector<cvc_tensor> toTensors(const std::vector<TensorView> &views) {
  std::vector<cvc_tensor> tensors(views.size());
  for (size_t i = 0; i < views.size(); ++i) {
    if (views[i].shape.size() > CVC_MAX_RANK)
      throw Error(CVC_INVALID_ARGUMENT, "tensor " + std::to_string(i) + " has rank " +
                                            std::to_string(views[i].shape.size()) +
                                            "; cvc models take at most " +
                                            std::to_string(CVC_MAX_RANK));
    tensors[i].data = views[i].data;
    tensors[i].type = CVC_FLOAT32;
    tensors[i].rank = static_cast<int32_t>(views[i].shape.size());
    for (size_t d = 0; d < views[i].shape.size(); ++d)
      tensors[i].dims[d] = views[i].shape[d];
  }
  return tensors;
}

} // namespace detail

/// A cvc-compiled model library. Cheap to copy (copies share the library).
class Model {
public:
  /// Loads `path` with dlopen (RTLD_LOCAL, so models do not collide).
  explicit Model(const std::string &path) : library_(std::make_shared<detail::Library>()) {
    // dlopen searches the library path for names without a slash.
    std::string name = path.find('/') == std::string::npos ? "./" + path : path;
    library_->handle = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!library_->handle) {
      const char *why = dlerror();
      throw Error(CVC_INVALID_ARGUMENT, path + ": cannot load the model library: " +
                                            (why ? why : "unknown error"));
    }
    bind(path);
  }

  /// The model whose library the program was linked with (cvc_add_model's
  /// target). Its functions are referenced directly, so calling this makes
  /// the program need a model library at link time; nothing else does.
  static Model linked() {
    auto library = std::make_shared<detail::Library>();
#define CVC_TAKE(fn) library->api.fn = &::fn;
    CVC_API_FUNCTIONS(CVC_TAKE)
#undef CVC_TAKE
    return Model(std::move(library), "the program");
  }

  const ModelFunctions &api() const { return library_->api; }
  const cvc_model *handle() const { return model_; }

  std::string name() const { return api().cvc_model_name(handle()); }
  std::string target() const { return api().cvc_model_target(handle()); }
  /// "cpu", or "cuda" for a model whose kernels run on an NVIDIA GPU.
  std::string device() const { return api().cvc_model_device(handle()); }
  uint64_t macsPerImage() const { return api().cvc_model_macs_per_image(handle()); }

  std::vector<TensorInfo> inputs(const std::string &entry = "main") const {
    return infos(entryIndex(entry), api().cvc_model_entry_input_count,
                 api().cvc_model_entry_input_info);
  }

  std::vector<TensorInfo> outputs(const std::string &entry = "main") const {
    return infos(entryIndex(entry), api().cvc_model_entry_output_count,
                 api().cvc_model_entry_output_info);
  }

  /// Shape variants (cvc --input-shape given several times); 1 for most models.
  size_t variantCount() const { return api().cvc_model_variant_count(handle()); }

  /// The model limited to one variant: its inputs() and outputs() are that
  /// variant's shapes, and a Session on it prepares that variant alone.
  Model variant(size_t index) const {
    Model result = *this;
    api().check(api().cvc_model_variant(handle(), index, &result.model_));
    return result;
  }

  std::vector<std::string> entries() const {
    std::vector<std::string> result;
    for (size_t i = 0, n = api().cvc_model_entry_count(handle()); i < n; ++i)
      result.push_back(api().cvc_model_entry_name(handle(), i));
    return result;
  }

  size_t entryIndex(const std::string &entry) const {
    size_t index = 0;
    api().check(api().cvc_model_find_entry(handle(), entry.c_str(), &index));
    return index;
  }

  std::shared_ptr<detail::Library> library() const { return library_; }

private:
  Model(std::shared_ptr<detail::Library> library, const std::string &what)
      : library_(std::move(library)) {
    bind(what);
  }

  template <typename Count, typename Info>
  std::vector<TensorInfo> infos(size_t entry, Count count, Info info) const {
    std::vector<TensorInfo> result;
    for (size_t i = 0, n = count(handle(), entry); i < n; ++i) {
      cvc_tensor_info one;
      api().check(info(handle(), entry, i, &one));
      result.push_back(detail::toInfo(one));
    }
    return result;
  }

  void bind(const std::string &what) {
    ModelFunctions &functions = library_->api;
    std::string why = library_->handle ? functions.bind(library_->handle, what)
                                       : functions.versionError(what);
    if (!why.empty())
      throw Error(functions.versionError(what).empty() ? CVC_INVALID_ARGUMENT : CVC_UNSUPPORTED,
                  why);
    api().check(api().cvc_model_get(&model_));
  }

  std::shared_ptr<detail::Library> library_;
  const cvc_model *model_ = nullptr; // the whole model, or one variant of it
};

/// Scratch memory and threads for running a Model; one per concurrent caller.
class Session {
public:
  /// `threads` as cvc_session_options.num_threads: 0 is one per core;
  /// `deviceOrdinal` the GPU of a GPU model.
  explicit Session(const Model &model, int threads = 0, int deviceOrdinal = 0) : model_(model) {
    cvc_session_options options;
    api().cvc_session_options_init(&options);
    options.num_threads = threads;
    options.device_ordinal = deviceOrdinal;
    api().check(api().cvc_session_create(model_.handle(), &options, &session_));
  }
  ~Session() {
    if (session_)
      api().cvc_session_free(session_);
  }
  Session(const Session &) = delete;
  Session &operator=(const Session &) = delete;
  Session(Session &&other) noexcept
      : model_(other.model_), session_(std::exchange(other.session_, nullptr)) {}

  /// Runs "main": inputs and outputs in the model's order.
  void run(const std::vector<TensorView> &inputs, const std::vector<TensorView> &outputs) {
    run(0, inputs, outputs);
  }

  /// Runs any entry (e.g. "train_step" of a model compiled with --train).
  void run(const std::string &entry, const std::vector<TensorView> &inputs,
           const std::vector<TensorView> &outputs) {
    run(model_.entryIndex(entry), inputs, outputs);
  }

  void run(size_t entry, const std::vector<TensorView> &inputs,
           const std::vector<TensorView> &outputs) {
    std::vector<cvc_tensor> in = detail::toTensors(inputs), out = detail::toTensors(outputs);
    api().check(api().cvc_session_run_entry(session_, entry, in.data(), in.size(), out.data(),
                                            out.size()));
  }

  /// A state's values (e.g. "parameters" of a model compiled with --train).
  std::vector<float> readState(const std::string &name) {
    size_t index = stateIndex(name);
    cvc_state_info info;
    api().check(api().cvc_model_state_info(model_.handle(), index, &info));
    std::vector<float> values(info.elements);
    api().check(api().cvc_session_read_state(session_, index, values.data(), info.elements));
    return values;
  }

  void writeState(const std::string &name, const std::vector<float> &values) {
    api().check(
        api().cvc_session_write_state(session_, stateIndex(name), values.data(), values.size()));
  }

  cvc_session *handle() const { return session_; }

private:
  const ModelFunctions &api() const { return model_.api(); }

  size_t stateIndex(const std::string &name) const {
    for (size_t i = 0, n = api().cvc_model_state_count(model_.handle()); i < n; ++i) {
      cvc_state_info info;
      api().check(api().cvc_model_state_info(model_.handle(), i, &info));
      if (name == info.name)
        return i;
    }
    throw Error(CVC_INVALID_ARGUMENT, "the model has no state named '" + name + "'");
  }

  Model model_; // keeps the library loaded while the session lives
  cvc_session *session_ = nullptr;
};

} // namespace cvc

#endif // CVC_CVC_HPP

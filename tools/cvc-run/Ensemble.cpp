//===- Ensemble.cpp - cvc-run with several models or crops --------------===//
//
// Several model.so files load side by side (each exports only the cvc C ABI
// and is reached through its own dlopen handle), each gets a session and a
// thread, and all run on the same images at once. The first output of each
// model is taken as class scores; cvc_ensemble turns them into
// probabilities (softmax unless they already are, see cvc_ensemble_softmax),
// averages the crops of each image and then the models.
//
//===----------------------------------------------------------------------===//
#include "Ensemble.h"

#include "cvc/host/ModelLibrary.h"
#include "cvc/tensorio/TensorFile.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <thread>

namespace cvc::tools {

namespace {

struct Fail {
  std::string message;
};

struct Member {
  std::string path, stem;
  host::ModelLibrary lib;
  const cvc_model *model = nullptr;
  cvc_session *session = nullptr;
  cvc_tensor_info in{}, out{};
  std::vector<float> input, output;
  int64_t inputShape[4] = {0, 0, 0, 0}; ///< of `input`: the images or their crops
  std::string error; ///< of the last run, set by its thread

  ~Member() {
    if (session)
      lib.cvc_session_free(session);
  }

  void check(cvc_status status) {
    if (std::string e = lib.take(status); !e.empty())
      throw Fail{path + ": " + e};
  }

  void run(int64_t rows) {
    // The session checks this shape against the model's and names the tensor on a mismatch.
    cvc_tensor inT{input.data(), CVC_FLOAT32, 4,
                   {rows, inputShape[1], inputShape[2], inputShape[3]}};
    cvc_tensor outT{output.data(), CVC_FLOAT32, 2, {rows, out.dims[1]}};
    error = lib.take(lib.cvc_session_run(session, &inT, 1, &outT, 1));
  }
};

void checkData(cvc_status status) {
  if (!status)
    return;
  std::string m = cvc_status_message(status);
  cvc_status_free(status);
  throw Fail{m};
}

/// The images every model sees: from the file, or uniform random in [-1, 1)
/// shaped as the first model's input.
tensorio::Tensor loadImages(const EnsembleOptions &o, const Member &first) {
  tensorio::Tensor images;
  std::string error;
  if (!o.input.empty()) {
    if (!tensorio::readTensorFile(o.input, images, error))
      throw Fail{error};
    if (images.shape.size() != 4)
      throw Fail{o.input + ": expected N x C x H x W images, got rank " +
                 std::to_string(images.shape.size())};
    return images;
  }
  images.shape = {o.batch, first.in.dims[1], first.in.dims[2], first.in.dims[3]};
  std::mt19937 rng(static_cast<uint32_t>(o.seed));
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  images.data.resize(size_t(o.batch * first.in.dims[1] * first.in.dims[2] * first.in.dims[3]));
  for (float &v : images.data)
    v = uniform(rng);
  return images;
}

/// Opens `path`, checks it maps one image tensor to class scores.
void open(Member &m, const EnsembleOptions &o) {
  std::string error;
  if (!m.lib.open(m.path, error))
    throw Fail{error};
  m.check(m.lib.cvc_model_get(&m.model));
  if (m.lib.cvc_model_input_count(m.model) != 1 || m.lib.cvc_model_output_count(m.model) < 1)
    throw Fail{m.path + ": an ensemble member needs one input and at least one output"};
  if (size_t variants = m.lib.cvc_model_variant_count(m.model); variants > 1)
    throw Fail{m.path + ": it holds " + std::to_string(variants) +
               " shape variants; an ensemble member is compiled for one input shape"};
  m.check(m.lib.cvc_model_input_info(m.model, 0, &m.in));
  m.check(m.lib.cvc_model_output_info(m.model, 0, &m.out));
  if (m.in.rank != 4 || m.out.rank != 2 || m.out.dims[1] < 1)
    throw Fail{m.path + ": an ensemble member maps N x C x H x W images to N x classes scores"};
  if (!o.inputName.empty() && o.inputName != m.in.name)
    throw Fail{m.path + ": its input is '" + m.in.name + "', not '" + o.inputName + "'"};
  cvc_session_options options;
  m.lib.cvc_session_options_init(&options);
  options.num_threads = int32_t(o.threads);
  m.check(m.lib.cvc_session_create(m.model, &options, &m.session));
}

/// Cuts each member's crops (or takes the images whole) into its input.
int64_t prepareInput(Member &m, const tensorio::Tensor &images, const EnsembleOptions &o) {
  int64_t n = images.shape[0], c = images.shape[1], h = images.shape[2], w = images.shape[3];
  int32_t ch = o.cropHeight ? o.cropHeight : int32_t(m.in.dims[2]);
  int32_t cw = o.cropWidth ? o.cropWidth : int32_t(m.in.dims[3]);
  if (!o.crops) {
    m.input = images.data;
    std::copy(images.shape.begin(), images.shape.end(), m.inputShape);
    return n;
  }
  m.inputShape[1] = c;
  m.inputShape[2] = ch;
  m.inputShape[3] = cw;
  std::vector<cvc_crop> crops(o.crops);
  checkData(cvc_crops_standard(int32_t(h), int32_t(w), ch, cw, o.crops, crops.data()));
  m.input.resize(size_t(n) * o.crops * c * ch * cw);
  checkData(cvc_crops_extract(images.data.data(), size_t(n), int32_t(c), int32_t(h), int32_t(w),
                              crops.data(), crops.size(), ch, cw, m.input.data()));
  return n * int64_t(o.crops);
}

/// One run of every member at once; the wall time in milliseconds.
double runAll(std::vector<std::unique_ptr<Member>> &members, int64_t rows) {
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (auto &m : members)
    threads.emplace_back([&m, rows] { m->run(rows); });
  for (std::thread &t : threads)
    t.join();
  for (auto &m : members)
    if (!m->error.empty())
      throw Fail{m->path + ": " + m->error};
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

void writeArray(const std::filesystem::path &path, std::vector<int64_t> shape,
                std::vector<float> data) {
  std::filesystem::create_directories(path.parent_path());
  tensorio::Tensor t{std::move(shape), std::move(data)};
  std::string error;
  if (!tensorio::writeNpy(path.string(), t, error))
    throw Fail{error};
}

void ensemble(const EnsembleOptions &o) {
  std::vector<std::unique_ptr<Member>> members;
  for (const std::string &path : o.models) {
    auto m = std::make_unique<Member>();
    m->path = path;
    m->stem = std::filesystem::path(path).stem().string();
    for (const auto &other : members)
      if (other->stem == m->stem)
        m->stem += "_" + std::to_string(members.size());
    open(*m, o);
    members.push_back(std::move(m));
  }
  tensorio::Tensor images = loadImages(o, *members[0]);
  int64_t n = images.shape[0], classes = members[0]->out.dims[1], rows = 0;
  for (auto &m : members) {
    if (m->out.dims[1] != classes)
      throw Fail{m->path + ": has " + std::to_string(m->out.dims[1]) + " classes, " +
                 members[0]->path + " has " + std::to_string(classes)};
    rows = prepareInput(*m, images, o);
    m->output.assign(size_t(rows * classes), 0.0f);
    std::printf("member %s (%s): input %s, %lld rows\n", m->stem.c_str(),
                m->lib.cvc_model_name(m->model), m->in.name, static_cast<long long>(rows));
  }

  for (long i = 0; i < o.warmup; ++i)
    runAll(members, rows);
  std::vector<double> times;
  for (long i = 0; i < std::max(1L, o.iterations); ++i)
    times.push_back(runAll(members, rows));
  std::sort(times.begin(), times.end());
  std::printf("%zu model(s) at once, %lld images x %zu crop(s): median %.3f ms over %zu runs\n",
              members.size(), static_cast<long long>(n), std::max<size_t>(o.crops, 1),
              times[times.size() / 2], times.size());

  cvc_ensemble *e = nullptr;
  checkData(cvc_ensemble_create(size_t(n), size_t(classes), o.softmax, &e));
  std::unique_ptr<cvc_ensemble, decltype(&cvc_ensemble_free)> owner(e, cvc_ensemble_free);
  for (auto &m : members)
    checkData(cvc_ensemble_add(e, m->output.data(), std::max<size_t>(o.crops, 1)));
  std::vector<float> average(size_t(n * classes));
  checkData(cvc_ensemble_average(e, average.data()));

  if (o.print)
    for (int64_t i = 0; i < n; ++i) {
      const float *p = average.data() + i * classes;
      size_t best = std::max_element(p, p + classes) - p;
      std::printf("image %lld: class %zu, probability %.4f\n", static_cast<long long>(i), best,
                  p[best]);
    }
  if (!o.outputDir.empty()) {
    for (auto &m : members)
      writeArray(std::filesystem::path(o.outputDir) / m->stem / (tensorio::fileNameFor(m->out.name) + ".npy"),
                 {rows, classes}, m->output);
    writeArray(std::filesystem::path(o.outputDir) / "ensemble.npy", {n, classes}, average);
  }
}

} // namespace

bool runEnsemble(const EnsembleOptions &options, std::string &error) {
  try {
    ensemble(options);
    return true;
  } catch (const Fail &f) {
    error = f.message;
    return false;
  }
}

} // namespace cvc::tools

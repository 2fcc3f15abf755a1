//===- RuntimeTest.cpp - the C ABI of a compiled model ------------------===//
//
// Compiles the bundled LeNet-5 once, then checks through dlopen what the ABI
// promises: shape checking with named tensors, a dynamic batch, concurrent
// runs on one session, several copies of a model in one process, and that
// only cvc_* symbols are exported.
//
//===----------------------------------------------------------------------===//
#include "ModelLibrary.h"

#include <gtest/gtest.h>

#include <dlfcn.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <thread>
#include <vector>

using cvc::tools::ModelLibrary;
namespace fs = std::filesystem;

namespace {

fs::path workDir() {
  static fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("cvc-runtime-test-" + std::to_string(getpid()));
    fs::create_directories(d);
    std::string cmd = std::string(CVC_BIN_DIR) + "/cvc " + CVC_TEST_MODEL + " -o " +
                      (d / "lenet.so").string();
    if (std::system(cmd.c_str()) != 0)
      ADD_FAILURE() << "cannot compile the test model: " << cmd;
    return d;
  }();
  return dir;
}

struct Model {
  ModelLibrary lib;
  const cvc_model *model = nullptr;
  cvc_session *session = nullptr;

  explicit Model(const fs::path &path) {
    std::string error;
    if (!lib.open(path.string(), error)) {
      ADD_FAILURE() << error;
      return;
    }
    EXPECT_EQ(lib.take(lib.cvc_model_get(&model)), "");
    EXPECT_EQ(lib.take(lib.cvc_session_create(model, nullptr, &session)), "");
  }
  ~Model() {
    if (session)
      lib.cvc_session_free(session);
  }

  /// Runs on `images` (batch x 1x32x32); returns the message or "".
  std::string run(const std::vector<float> &images, int64_t batch, std::vector<float> &logits,
                  int64_t outBatch = -1) {
    cvc_tensor in{const_cast<float *>(images.data()), CVC_FLOAT32, 4, {batch, 1, 32, 32}};
    logits.assign((outBatch < 0 ? batch : outBatch) * 10, NAN);
    cvc_tensor out{logits.data(), CVC_FLOAT32, 2, {outBatch < 0 ? batch : outBatch, 10}};
    return lib.take(lib.cvc_session_run(session, &in, 1, &out, 1));
  }
};

std::vector<float> randomImages(int64_t batch, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> v(batch * 32 * 32);
  for (float &x : v)
    x = normal(rng);
  return v;
}

} // namespace

TEST(Runtime, DescribesTheModel) {
  Model m(workDir() / "lenet.so");
  ASSERT_NE(m.model, nullptr);
  EXPECT_EQ(m.lib.cvc_abi_version(), static_cast<uint32_t>(CVC_ABI_VERSION));
  ASSERT_EQ(m.lib.cvc_model_input_count(m.model), 1u);
  ASSERT_EQ(m.lib.cvc_model_output_count(m.model), 1u);
  cvc_tensor_info info;
  ASSERT_EQ(m.lib.take(m.lib.cvc_model_input_info(m.model, 0, &info)), "");
  EXPECT_STREQ(info.name, "image");
  EXPECT_EQ(info.rank, 4);
  EXPECT_EQ(info.dims[0], -1);
  EXPECT_EQ(info.dims[3], 32);
  ASSERT_EQ(m.lib.take(m.lib.cvc_model_output_info(m.model, 0, &info)), "");
  EXPECT_STREQ(info.name, "logits");
  EXPECT_NE(m.lib.take(m.lib.cvc_model_input_info(m.model, 1, &info)), "");
  // conv1 + conv2 + three fully connected layers of LeNet-5.
  EXPECT_EQ(m.lib.cvc_model_macs_per_image(m.model),
            6u * 28 * 28 * 25 + 16u * 10 * 10 * 150 + 400u * 120 + 120u * 84 + 84u * 10);
}

TEST(Runtime, DynamicBatchMatchesSingleImages) {
  Model m(workDir() / "lenet.so");
  std::vector<float> batch = randomImages(16, 1), logits, single;
  for (int64_t n : {1, 3, 16}) {
    ASSERT_EQ(m.run(batch, n, logits), "");
    for (int64_t i = 0; i < n; ++i) {
      std::vector<float> one(batch.begin() + i * 1024, batch.begin() + (i + 1) * 1024);
      ASSERT_EQ(m.run(one, 1, single), "");
      for (int k = 0; k < 10; ++k)
        EXPECT_NEAR(logits[i * 10 + k], single[k], 1e-5f) << "batch " << n << " image " << i;
    }
  }
}

TEST(Runtime, RejectsWrongShapesNamingTheTensor) {
  Model m(workDir() / "lenet.so");
  std::vector<float> images = randomImages(2, 2), logits;
  cvc_tensor in{images.data(), CVC_FLOAT32, 4, {2, 1, 28, 28}};
  logits.resize(20);
  cvc_tensor out{logits.data(), CVC_FLOAT32, 2, {2, 10}};
  EXPECT_EQ(m.lib.take(m.lib.cvc_session_run(m.session, &in, 1, &out, 1)),
            "input 'image': expected shape [?,1,32,32], got [2,1,28,28]");
  in.dims[2] = in.dims[3] = 32;
  in.data = nullptr;
  EXPECT_EQ(m.lib.take(m.lib.cvc_session_run(m.session, &in, 1, &out, 1)),
            "input 'image': data pointer is null");
  in.data = images.data();
  EXPECT_EQ(m.lib.take(m.lib.cvc_session_run(m.session, &in, 2, &out, 1)),
            "the model takes 1 inputs, got 2");
  EXPECT_EQ(m.run(images, 2, logits, /*outBatch=*/3),
            "output 'logits': batch 3 differs from input 'image''s batch 2");
  EXPECT_EQ(m.run(images, 2, logits), "");
}

TEST(Runtime, ConcurrentRunsOnOneSessionAreSerialisedAndCorrect) {
  Model m(workDir() / "lenet.so");
  std::vector<std::vector<float>> inputs, expected(4);
  for (int t = 0; t < 4; ++t) {
    inputs.push_back(randomImages(1 + t, 10 + t));
    ASSERT_EQ(m.run(inputs[t], 1 + t, expected[t]), "");
  }
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      std::vector<float> logits;
      for (int r = 0; r < 25; ++r)
        if (m.run(inputs[t], 1 + t, logits) != "" || logits != expected[t])
          ++mismatches[t];
    });
  for (auto &th : threads)
    th.join();
  for (int t = 0; t < 4; ++t)
    EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

TEST(Runtime, TwoCopiesLoadSideBySideAndExportOnlyTheAbi) {
  fs::copy_file(workDir() / "lenet.so", workDir() / "copy.so",
                fs::copy_options::overwrite_existing);
  Model a(workDir() / "lenet.so"), b(workDir() / "copy.so");
  std::vector<float> images = randomImages(2, 3), la, lb;
  ASSERT_EQ(a.run(images, 2, la), "");
  ASSERT_EQ(b.run(images, 2, lb), "");
  EXPECT_EQ(la, lb);

  void *handle = dlopen((workDir() / "lenet.so").c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(handle, nullptr);
  EXPECT_NE(dlsym(handle, "cvc_session_run"), nullptr);
  for (const char *hidden : {"halide_error", "halide_set_num_threads", "cvcgen_plan",
                             "cvcgen_weights", "cvck0_conv2d", "cvck0_conv2d_argv"})
    EXPECT_EQ(dlsym(handle, hidden), nullptr) << hidden << " is exported";
  dlclose(handle);
}

TEST(Runtime, ProfileHasOneEntryPerKernel) {
  Model m(workDir() / "lenet.so");
  m.lib.cvc_session_set_profiling(m.session, 1);
  std::vector<float> images = randomImages(4, 4), logits;
  ASSERT_EQ(m.run(images, 4, logits), "");
  size_t n = m.lib.cvc_session_kernel_count(m.session);
  ASSERT_GT(n, 4u);
  uint64_t macs = 0;
  for (size_t k = 0; k < n; ++k) {
    cvc_kernel_profile p;
    ASSERT_EQ(m.lib.take(m.lib.cvc_session_kernel_profile(m.session, k, &p)), "");
    EXPECT_GT(p.seconds, 0.0) << p.name;
    macs += p.macs;
  }
  EXPECT_EQ(macs, 4 * m.lib.cvc_model_macs_per_image(m.model));
}

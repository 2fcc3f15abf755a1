//===- RuntimeTest.cpp - the C ABI of a compiled model ------------------===//
//
// Compiles the bundled LeNet-5 once, then checks through dlopen what the ABI
// promises: shape checking with named tensors, a dynamic batch, concurrent
// runs on one session, several copies of a model in one process, and that
// only cvc_* symbols are exported, and that each session runs its kernels
// on threads of its own, as many as it asked for. A small Winograd model checks the
// kernels run at load time: their result at run time, their memory shared
// by a model's sessions, and a failure to prepare reported by
// cvc_session_create.
//
//===----------------------------------------------------------------------===//
#include "cvc/host/ModelLibrary.h"

#include <gtest/gtest.h>

#include <dlfcn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>
#include <vector>

// Built with AddressSanitizer or ThreadSanitizer (GCC's and Clang's spellings).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CVC_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define CVC_TEST_SANITIZED 1
#endif
#endif

using cvc::host::ModelLibrary;
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

/// Removes the compiled models when the tests end.
class WorkDirCleanup : public ::testing::Environment {
public:
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(workDir(), ec);
  }
};
const auto *cleanup = ::testing::AddGlobalTestEnvironment(new WorkDirCleanup);

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

// A careless host: every entry point of the C ABI given null pointers,
// indices out of range and tensors that do not describe what the model
// takes. Each call answers CVC_INVALID_ARGUMENT with a message (or, for the
// functions that return a value, an empty one), and the session still runs.
TEST(Runtime, ACarelessHostGetsStatusesNotCrashes) {
  Model m(workDir() / "lenet.so");
  ModelLibrary &lib = m.lib;
  int refused = 0;
  auto expectRefused = [&](cvc_status status, const char *call) {
    ASSERT_NE(status, nullptr) << call << " accepted a bad argument";
    EXPECT_EQ(lib.cvc_status_code_of(status), CVC_INVALID_ARGUMENT) << call;
    EXPECT_GT(std::strlen(lib.cvc_status_message(status)), 0u) << call;
    lib.cvc_status_free(status);
    ++refused;
  };
  cvc_tensor_info info;
  cvc_state_info state;
  cvc_slice_info slice;
  cvc_kernel_profile profile;
  size_t entry = 0;
  float buffer[16];
  expectRefused(lib.cvc_model_get(nullptr), "model_get(null)");
  expectRefused(lib.cvc_model_input_info(nullptr, 0, &info), "input_info(null model)");
  expectRefused(lib.cvc_model_input_info(m.model, 7, &info), "input_info(index 7)");
  expectRefused(lib.cvc_model_input_info(m.model, 0, nullptr), "input_info(null out)");
  expectRefused(lib.cvc_model_output_info(m.model, SIZE_MAX, &info), "output_info(SIZE_MAX)");
  expectRefused(lib.cvc_model_entry_input_info(m.model, 9, 0, &info), "entry_input_info(entry 9)");
  expectRefused(lib.cvc_model_entry_output_info(m.model, 0, 9, &info), "entry_output_info(index 9)");
  expectRefused(lib.cvc_model_find_entry(m.model, nullptr, &entry), "find_entry(null name)");
  expectRefused(lib.cvc_model_find_entry(m.model, "train_step", &entry), "find_entry(absent)");
  expectRefused(lib.cvc_model_find_entry(m.model, "main", nullptr), "find_entry(null out)");
  expectRefused(lib.cvc_model_state_info(m.model, 0, &state), "state_info(no states)");
  expectRefused(lib.cvc_model_slice_info(m.model, 0, &slice), "slice_info(no slices)");
  EXPECT_STREQ(lib.cvc_model_name(nullptr), "");
  EXPECT_STREQ(lib.cvc_model_entry_name(m.model, 5), "");
  EXPECT_EQ(lib.cvc_model_input_count(nullptr), 0u);
  EXPECT_EQ(lib.cvc_model_entry_input_count(m.model, 5), 0u);

  cvc_session *session = nullptr;
  expectRefused(lib.cvc_session_create(nullptr, nullptr, &session), "session_create(null model)");
  expectRefused(lib.cvc_session_create(m.model, nullptr, nullptr), "session_create(null out)");
  cvc_session_options options;
  lib.cvc_session_options_init(&options);
  options.num_threads = -3;
  expectRefused(lib.cvc_session_create(m.model, &options, &session), "session_create(-3 threads)");
  EXPECT_EQ(session, nullptr);
  lib.cvc_session_free(nullptr);
  lib.cvc_status_free(nullptr);
  lib.cvc_session_set_profiling(nullptr, 1);
  EXPECT_EQ(lib.cvc_session_kernel_count(nullptr), 0u);
  expectRefused(lib.cvc_session_kernel_profile(m.session, 1u << 20, &profile), "kernel_profile(index)");
  expectRefused(lib.cvc_session_kernel_profile(nullptr, 0, &profile), "kernel_profile(null)");
  expectRefused(lib.cvc_session_read_state(m.session, 0, buffer, 16), "read_state(no states)");
  expectRefused(lib.cvc_session_write_state(nullptr, 0, buffer, 16), "write_state(null session)");

  std::vector<float> images = randomImages(1, 3), logits(10);
  const cvc_tensor goodIn{images.data(), CVC_FLOAT32, 4, {1, 1, 32, 32}};
  const cvc_tensor goodOut{logits.data(), CVC_FLOAT32, 2, {1, 10}};
  auto run = [&](cvc_tensor in, cvc_tensor out, const char *call) {
    expectRefused(lib.cvc_session_run(m.session, &in, 1, &out, 1), call);
  };
  cvc_tensor bad = goodIn;
  bad.type = static_cast<cvc_element_type>(7);
  run(bad, goodOut, "run(element type 7)");
  bad = goodIn;
  bad.rank = -1;
  run(bad, goodOut, "run(rank -1)");
  bad.rank = 1000;
  run(bad, goodOut, "run(rank 1000)");
  bad = goodIn;
  bad.dims[0] = -4;
  run(bad, goodOut, "run(batch -4)");
  bad.dims[0] = int64_t(1) << 62;
  run(bad, goodOut, "run(batch 2^62)");
  cvc_tensor badOut = goodOut;
  badOut.dims[1] = 9;
  run(goodIn, badOut, "run(output [1, 9])");
  badOut = goodOut;
  badOut.data = nullptr;
  run(goodIn, badOut, "run(null output data)");
  cvc_tensor out = goodOut;
  expectRefused(lib.cvc_session_run(nullptr, &goodIn, 1, &out, 1), "run(null session)");
  expectRefused(lib.cvc_session_run(m.session, nullptr, 1, &out, 1), "run(null inputs)");
  expectRefused(lib.cvc_session_run(m.session, &goodIn, 1, nullptr, 1), "run(null outputs)");
  expectRefused(lib.cvc_session_run(m.session, &goodIn, 1, &out, 0), "run(no outputs)");
  expectRefused(lib.cvc_session_run_entry(m.session, 3, &goodIn, 1, &out, 1), "run_entry(3)");
  std::printf("%d careless calls refused with a status\n", refused);

  // Nothing above disturbed the session.
  EXPECT_EQ(lib.take(lib.cvc_session_run(m.session, &goodIn, 1, &out, 1)), "");
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

/// Runs per thread of the stress tests: CVC_STRESS_RUNS (10,000 for the
/// reliability figures), else a few hundred.
int stressRuns() {
  const char *env = std::getenv("CVC_STRESS_RUNS");
  return env && std::atoi(env) > 0 ? std::atoi(env) : 2000;
}

TEST(Runtime, EightThreadsOwnAndSharedSessionsGiveBitIdenticalOutputs) {
  Model m(workDir() / "lenet.so");
  ASSERT_NE(m.session, nullptr);
  constexpr int kThreads = 8;
  std::vector<cvc_session *> own(kThreads / 2, nullptr);
  for (cvc_session *&s : own)
    ASSERT_EQ(m.lib.take(m.lib.cvc_session_create(m.model, nullptr, &s)), "");
  std::vector<std::vector<float>> inputs, expected(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    inputs.push_back(randomImages(1 + t % 3, 100 + t));
    ASSERT_EQ(m.run(inputs[t], 1 + t % 3, expected[t]), "");
  }
  const int runs = stressRuns();
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      // Threads 0-3 each run on a session of their own, 4-7 on m's shared one.
      cvc_session *session = t < kThreads / 2 ? own[t] : m.session;
      const int64_t batch = 1 + t % 3;
      std::vector<float> logits(batch * 10);
      cvc_tensor in{inputs[t].data(), CVC_FLOAT32, 4, {batch, 1, 32, 32}};
      cvc_tensor out{logits.data(), CVC_FLOAT32, 2, {batch, 10}};
      for (int r = 0; r < runs; ++r) {
        std::fill(logits.begin(), logits.end(), NAN);
        if (!m.lib.take(m.lib.cvc_session_run(session, &in, 1, &out, 1)).empty() ||
            std::memcmp(logits.data(), expected[t].data(), logits.size() * sizeof(float)) != 0)
          ++mismatches[t];
      }
    });
  for (auto &th : threads)
    th.join();
  for (int t = 0; t < kThreads; ++t)
    EXPECT_EQ(mismatches[t], 0) << "thread " << t << " of " << runs << " runs";
  for (cvc_session *s : own)
    m.lib.cvc_session_free(s);
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
  for (const char *hidden : {"halide_error", "halide_set_num_threads", "cvcgen_plans",
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

namespace {

/// Threads of this process now.
size_t processThreads() {
  size_t count = 0;
  for (const auto &entry : fs::directory_iterator("/proc/self/task")) {
    (void)entry;
    ++count;
  }
  return count;
}

cvc_session *createSession(Model &m, int threads) {
  cvc_session_options options;
  m.lib.cvc_session_options_init(&options);
  options.num_threads = threads;
  cvc_session *session = nullptr;
  EXPECT_EQ(m.lib.take(m.lib.cvc_session_create(m.model, &options, &session)), "");
  return session;
}

/// The most threads any kernel of `session`'s last run used; fails the
/// test when one used more than `limit`.
int mostThreads(Model &m, cvc_session *session, int limit) {
  int most = 0;
  for (size_t k = 0; k < m.lib.cvc_session_kernel_count(session); ++k) {
    cvc_kernel_profile p;
    EXPECT_EQ(m.lib.take(m.lib.cvc_session_kernel_profile(session, k, &p)), "");
    EXPECT_GE(p.threads, 1) << p.name << " did not run";
    EXPECT_LE(p.threads, limit) << p.name << " ran on more threads than its session has";
    most = std::max(most, static_cast<int>(p.threads));
  }
  return most;
}

} // namespace

TEST(Runtime, EachSessionRunsOnItsOwnThreads) {
  Model m(workDir() / "lenet.so");
  ASSERT_NE(m.session, nullptr);
  // A session starts its workers, num_threads - 1 of them, and nothing else.
  size_t before = processThreads();
  cvc_session *single = createSession(m, 1);
  ASSERT_NE(single, nullptr);
  EXPECT_EQ(processThreads(), before);
  cvc_session *triple = createSession(m, 3);
  ASSERT_NE(triple, nullptr);
  EXPECT_EQ(processThreads(), before + 2);
  m.lib.cvc_session_set_profiling(single, 1);
  m.lib.cvc_session_set_profiling(triple, 1);

  // Created after it, the 3-thread session leaves the 1-thread one on its
  // caller alone (one pool per library with the last session's count did
  // not); its own kernels use at most 3 threads, and its workers take part
  // (how soon a woken worker runs is up to the scheduler, hence the rounds).
  std::vector<float> images = randomImages(64, 5), a, b;
  int most = 0;
  for (int round = 0; round < 100 && (round < 3 || most < 2); ++round) {
    cvc_tensor in{images.data(), CVC_FLOAT32, 4, {64, 1, 32, 32}};
    a.assign(640, NAN);
    b.assign(640, NAN);
    cvc_tensor outA{a.data(), CVC_FLOAT32, 2, {64, 10}}, outB{b.data(), CVC_FLOAT32, 2, {64, 10}};
    ASSERT_EQ(m.lib.take(m.lib.cvc_session_run(triple, &in, 1, &outA, 1)), "");
    most = std::max(most, mostThreads(m, triple, 3));
    ASSERT_EQ(m.lib.take(m.lib.cvc_session_run(single, &in, 1, &outB, 1)), "");
    EXPECT_EQ(mostThreads(m, single, 1), 1);
    ASSERT_EQ(a, b) << "the thread count changed the result";
  }
  EXPECT_GE(most, 2) << "no worker of the 3-thread session ran a parallel loop";
  std::printf("most threads in one kernel: %d of 3\n", most);
  m.lib.cvc_session_free(triple);
  m.lib.cvc_session_free(single);
  EXPECT_EQ(processThreads(), before) << "a freed session's workers are still running";
}

namespace {

/// A 512-channel 3x3 convolution on 8x8 maps with every weight 0.5: it
/// compiles to cv.conv2d_winograd, whose transformed weights (37.7 MB, 4x
/// the filters) are computed when a session is created.
fs::path winogradModel() {
  static fs::path path = [] {
    fs::path mlir = workDir() / "winograd.mlir", so = workDir() / "winograd.so";
    std::ofstream(mlir)
        << "func.func @main(%x: tensor<?x512x8x8xf32> {cv.name = \"x\"}) -> "
           "(tensor<?x512x8x8xf32> {cv.name = \"y\"}) {\n"
           "  %w = cv.constant dense<0.5> : tensor<512x512x3x3xf32>\n"
           "  %y = cv.conv2d %x, %w {pads = array<i64: 1, 1, 1, 1>} : (tensor<?x512x8x8xf32>, "
           "tensor<512x512x3x3xf32>) -> tensor<?x512x8x8xf32>\n"
           "  return %y : tensor<?x512x8x8xf32>\n}\n";
    std::string cmd = std::string(CVC_BIN_DIR) + "/cvc " + mlir.string() + " -o " + so.string();
    if (std::system(cmd.c_str()) != 0)
      ADD_FAILURE() << "cannot compile the Winograd test model: " << cmd;
    return so;
  }();
  return path;
}

/// Virtual memory the process has mapped now, in bytes.
uint64_t mappedBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t pages = 0;
  statm >> pages;
  return pages * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

} // namespace

/// Resident memory of the process now, in bytes.
uint64_t residentBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0)
      return std::stoull(line.substr(6)) * 1024;
  return 0;
}

/// Runs the Winograd model on ones and checks the result: each output sums
/// 0.5 over 512 channels and the taps inside the map.
void expectConvolutionOfOnes(ModelLibrary &lib, cvc_session *session) {
  std::vector<float> ones(512 * 8 * 8, 1.0f), y(512 * 8 * 8, NAN);
  cvc_tensor in{ones.data(), CVC_FLOAT32, 4, {1, 512, 8, 8}};
  cvc_tensor out{y.data(), CVC_FLOAT32, 4, {1, 512, 8, 8}};
  ASSERT_EQ(lib.take(lib.cvc_session_run(session, &in, 1, &out, 1)), "");
  for (int c : {0, 511})
    for (int i = 0; i < 8; ++i)
      for (int j = 0; j < 8; ++j) {
        int taps = (i == 0 || i == 7 ? 2 : 3) * (j == 0 || j == 7 ? 2 : 3);
        EXPECT_NEAR(y[(c * 8 + i) * 8 + j], 256.0f * taps, 256.0f * taps * 1e-4)
            << "channel " << c << " pixel " << i << "," << j;
      }
}

TEST(Runtime, WeightsComputedAtLoadTimeGiveTheConvolution) {
  Model m(winogradModel());
  ASSERT_NE(m.session, nullptr);
  m.lib.cvc_session_set_profiling(m.session, 1);
  expectConvolutionOfOnes(m.lib, m.session);
  // The run used the Winograd kernel; the transform did not run again.
  bool winograd = false;
  for (size_t k = 0; k < m.lib.cvc_session_kernel_count(m.session); ++k) {
    cvc_kernel_profile p;
    ASSERT_EQ(m.lib.take(m.lib.cvc_session_kernel_profile(m.session, k, &p)), "");
    winograd |= std::string(p.ops) == "cv.conv2d_winograd" && p.seconds > 0;
    if (std::string(p.ops) == "cv.winograd_weights")
      EXPECT_EQ(p.seconds, 0.0) << "the weight transform ran with the model";
  }
  EXPECT_TRUE(winograd);
}

TEST(Runtime, ThreeModelLibrariesRunAtOnceInOneProcess) {
  fs::copy_file(workDir() / "lenet.so", workDir() / "third.so",
                fs::copy_options::overwrite_existing);
  Model a(workDir() / "lenet.so"), b(workDir() / "third.so"), w(winogradModel());
  ASSERT_TRUE(a.session && b.session && w.session);
  std::vector<float> images = randomImages(2, 7), la, lb;
  ASSERT_EQ(a.run(images, 2, la), "");
  ASSERT_EQ(b.run(images, 2, lb), "");
  ASSERT_EQ(la, lb);
  const int runs = std::max(1, stressRuns() / 10);
  int mismatches[3] = {0, 0, 0};
  std::thread ta([&] {
    std::vector<float> l;
    for (int r = 0; r < runs; ++r)
      mismatches[0] += a.run(images, 2, l) != "" || l != la;
  });
  std::thread tb([&] {
    std::vector<float> l;
    for (int r = 0; r < runs; ++r)
      mismatches[1] += b.run(images, 2, l) != "" || l != lb;
  });
  std::thread tw([&] {
    for (int r = 0; r < runs / 10 + 1; ++r)
      expectConvolutionOfOnes(w.lib, w.session);
  });
  ta.join();
  tb.join();
  tw.join();
  EXPECT_EQ(mismatches[0] + mismatches[1], 0);
}

TEST(Runtime, SessionsShareTheWeightsComputedAtLoadTime) {
  Model m(winogradModel());
  ASSERT_NE(m.session, nullptr);
  expectConvolutionOfOnes(m.lib, m.session);
  // A second session reuses the first one's 37.7 MB of transformed weights.
  uint64_t before = residentBytes();
  cvc_session *second = nullptr;
  ASSERT_EQ(m.lib.take(m.lib.cvc_session_create(m.model, nullptr, &second)), "");
  uint64_t grown = residentBytes() - before;
  EXPECT_LT(grown, 8u << 20) << "the second session computed its own transformed weights";
  std::printf("second session: resident memory grew by %.2f MB\n", grown / 1e6);
  // They outlive the session that computed them, and are computed again
  // once no session holds them.
  m.lib.cvc_session_free(m.session);
  m.session = nullptr;
  expectConvolutionOfOnes(m.lib, second);
  m.lib.cvc_session_free(second);
  ASSERT_EQ(m.lib.take(m.lib.cvc_session_create(m.model, nullptr, &m.session)), "");
  expectConvolutionOfOnes(m.lib, m.session);
}

TEST(Runtime, FailingToPrepareWeightsIsAnErrorOfSessionCreate) {
  // Run again as a fresh process (a heap that held a session of this model
  // could serve the allocation without new address space), limited to 16 MB
  // more address space than it has mapped: the 37.7 MB of transformed
  // weights cannot be allocated.
#ifdef CVC_TEST_SANITIZED
  GTEST_SKIP() << "an address-space limit leaves a sanitizer's shadow memory no room";
#endif
  if (const char *model = std::getenv("CVC_TEST_PREPARE_OOM_MODEL")) {
    ModelLibrary lib;
    std::string error;
    const cvc_model *m = nullptr;
    if (!lib.open(model, error) || lib.cvc_model_get(&m))
      _exit(2);
    uint64_t limit = mappedBytes() + (16u << 20);
    rlimit rl{limit, limit};
    if (setrlimit(RLIMIT_AS, &rl) != 0)
      _exit(3);
    cvc_session *session = nullptr;
    cvc_status s = lib.cvc_session_create(m, nullptr, &session);
    bool clean = s && lib.cvc_status_code_of(s) == CVC_OUT_OF_MEMORY && session == nullptr &&
                 std::strstr(lib.cvc_status_message(s), "computed at load time");
    std::fprintf(stderr, "cvc_session_create: %s\n",
                 s ? lib.cvc_status_message(s) : "succeeded");
    _exit(clean ? 0 : 1);
  }
  std::string self = fs::read_symlink("/proc/self/exe").string();
  std::string cmd = "CVC_TEST_PREPARE_OOM_MODEL=" + winogradModel().string() + " " + self +
                    " --gtest_filter=Runtime.FailingToPrepareWeightsIsAnErrorOfSessionCreate";
  int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status)) << "the session create crashed";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "expected an out-of-memory status naming the weights";
}

/// A host told of outputs as kernels finish gets whole-batch runs: at a
/// batch larger than the chunks the stretches run image by image, the
/// session lays its arena out again without per-stream tensors, and back
/// once the callback is gone. Every element is reported once and the
/// outputs do not change (under ASan, fuzz.smoke's runtime tests would
/// catch a kernel writing a whole batch into a chunk's tensors).
TEST(Runtime, OutputReadyRunsTheWholeBatchAtAnyBatch) {
  Model m(workDir() / "lenet.so");
  ASSERT_NE(m.session, nullptr);
  cvc_session *session = createSession(m, 3);
  ASSERT_NE(session, nullptr);
  const int64_t batch = 512;
  std::vector<float> images = randomImages(batch, 9);
  cvc_tensor in{images.data(), CVC_FLOAT32, 4, {batch, 1, 32, 32}};
  auto run = [&](std::vector<float> &out) {
    out.assign(batch * 10, NAN);
    cvc_tensor t{out.data(), CVC_FLOAT32, 2, {batch, 10}};
    return m.lib.take(m.lib.cvc_session_run(session, &in, 1, &t, 1));
  };
  std::vector<float> before, reported, after;
  ASSERT_EQ(run(before), "");
  std::vector<int> seen(batch * 10, 0);
  auto record = [](void *user, size_t output, size_t first, size_t count) {
    auto &counts = *static_cast<std::vector<int> *>(user);
    for (size_t e = first; output == 0 && e < first + count && e < counts.size(); ++e)
      ++counts[e];
  };
  m.lib.cvc_session_set_output_ready(session, record, &seen);
  ASSERT_EQ(run(reported), "");
  m.lib.cvc_session_set_output_ready(session, nullptr, nullptr);
  ASSERT_EQ(run(after), "");
  EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](int c) { return c == 1; }))
      << "not every output element reported exactly once";
  // A whole-batch run may round the classifier differently from chunks.
  for (size_t i = 0; i < before.size(); ++i)
    ASSERT_NEAR(reported[i], before[i], 1e-4f * (1.0f + std::fabs(before[i]))) << "element " << i;
  EXPECT_EQ(after, before) << "image by image again after the callback";
  m.lib.cvc_session_free(session);
}

/// The training step's gradients, each part reported when final: a
/// data-parallel host exchanges it while the backward pass goes on. Every
/// element of every output comes exactly once, the gradients in several
/// parts, the last layer's first, and each part's values at the time they
/// are reported are the values the run ends with.
TEST(Runtime, ReportsEachPartOfTheOutputsWhenItIsFinal) {
  fs::path so = workDir() / "lenet_train.so";
  std::string cmd = std::string(CVC_BIN_DIR) + "/cvc " + CVC_TEST_MODEL +
                    " --train --train-batch 4 -o " + so.string();
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  Model m(so);
  ASSERT_NE(m.session, nullptr);
  size_t entry = 0;
  ASSERT_EQ(m.lib.take(m.lib.cvc_model_find_entry(m.model, "train_gradients", &entry)), "");
  size_t nIn = m.lib.cvc_model_entry_input_count(m.model, entry);
  size_t nOut = m.lib.cvc_model_entry_output_count(m.model, entry);
  std::vector<std::vector<float>> data(nIn + nOut);
  std::vector<cvc_tensor> tensors(nIn + nOut);
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> label(0, 9);
  std::normal_distribution<float> normal;
  size_t gradients = nOut;
  for (size_t i = 0; i < nIn + nOut; ++i) {
    cvc_tensor_info info;
    bool input = i < nIn;
    ASSERT_EQ(m.lib.take(input ? m.lib.cvc_model_entry_input_info(m.model, entry, i, &info)
                               : m.lib.cvc_model_entry_output_info(m.model, entry, i - nIn, &info)),
              "");
    int64_t n = 1;
    for (int d = 0; d < info.rank; ++d)
      n *= info.dims[d];
    data[i].resize(n);
    for (float &v : data[i])
      v = std::string(info.name) == "labels" ? static_cast<float>(label(rng)) : normal(rng);
    if (!input && std::string(info.name) == "gradients")
      gradients = i - nIn;
    tensors[i] = {data[i].data(), CVC_FLOAT32, info.rank, {}};
    std::copy(info.dims, info.dims + info.rank, tensors[i].dims);
  }
  ASSERT_LT(gradients, nOut);

  struct Report {
    size_t output, first, count;
    std::vector<float> values; ///< as they were when reported
  };
  struct Seen {
    std::vector<Report> reports;
    std::vector<cvc_tensor> *tensors;
    size_t outputsFrom;
  } seen{{}, &tensors, nIn};
  auto record = [](void *user, size_t output, size_t first, size_t count) {
    auto *s = static_cast<Seen *>(user);
    const float *values = static_cast<const float *>((*s->tensors)[s->outputsFrom + output].data);
    s->reports.push_back({output, first, count, std::vector<float>(values + first, values + first + count)});
  };
  m.lib.cvc_session_set_output_ready(m.session, record, &seen);
  ASSERT_EQ(m.lib.take(m.lib.cvc_session_run_entry(m.session, entry, tensors.data(), nIn,
                                                   tensors.data() + nIn, nOut)),
            "");
  m.lib.cvc_session_set_output_ready(m.session, nullptr, nullptr);

  std::vector<std::vector<int>> covered(nOut);
  for (size_t j = 0; j < nOut; ++j)
    covered[j].assign(data[nIn + j].size(), 0);
  size_t gradientParts = 0;
  for (const Report &r : seen.reports) {
    ASSERT_LT(r.output, nOut);
    ASSERT_LE(r.first + r.count, covered[r.output].size());
    for (size_t e = r.first; e < r.first + r.count; ++e)
      ++covered[r.output][e];
    EXPECT_TRUE(std::equal(r.values.begin(), r.values.end(), data[nIn + r.output].begin() + r.first))
        << "output " << r.output << " [" << r.first << ", +" << r.count << ") changed after it was reported final";
    gradientParts += r.output == gradients;
  }
  for (size_t j = 0; j < nOut; ++j)
    EXPECT_TRUE(std::all_of(covered[j].begin(), covered[j].end(), [](int c) { return c == 1; }))
        << "output " << j << " not reported exactly once everywhere";
  // LeNet-5's ten parameter tensors, the classifier's first.
  EXPECT_GE(gradientParts, 5u);
  auto first = std::find_if(seen.reports.begin(), seen.reports.end(),
                            [&](const Report &r) { return r.output == gradients; });
  ASSERT_NE(first, seen.reports.end());
  EXPECT_GT(first->first, data[nIn + gradients].size() / 2) << "the last layer's gradient first";
}

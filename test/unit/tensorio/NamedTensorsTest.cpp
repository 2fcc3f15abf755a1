//===- NamedTensorsTest.cpp - tensors by name in ONNX files and checkpoints ===//
//
// The same questions asked of an ONNX model's initialisers (binary and
// textual) and of a checkpoint's tensor table, told apart by the file's
// first bytes; and the refusals of files that are neither.
//
//===----------------------------------------------------------------------===//
#include "cvc/tensorio/Checkpoint.h"
#include "cvc/tensorio/NamedTensors.h"
#include "cvc/tensorio/OnnxModel.h"

#include "../ScratchDir.h"

#include <gtest/gtest.h>

#include <onnx/onnx_pb.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using cvc::tensorio::NamedTensors;
using cvc::tensorio::Tensor;
namespace fs = std::filesystem;

namespace {

std::string tempPath(const std::string &name) {
  static cvc::test::ScratchDir dir("cvc-named-test");
  return (dir.path() / name).string();
}

void writeFile(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

/// A model whose graph has initialisers "fc.weight" [2,2] and "fc.bias" [2].
std::string onnxModel() {
  onnx::ModelProto model;
  model.set_ir_version(8);
  onnx::GraphProto &graph = *model.mutable_graph();
  graph.set_name("g");
  auto add = [&](const char *name, std::vector<int64_t> dims, std::vector<float> values) {
    onnx::TensorProto &t = *graph.add_initializer();
    t.set_name(name);
    t.set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims)
      t.add_dims(d);
    for (float v : values)
      t.add_float_data(v);
  };
  add("fc.weight", {2, 2}, {1, 2, 3, 4});
  add("fc.bias", {2}, {5, 6});
  return model.SerializeAsString();
}

/// Asks `file` what every format must answer alike: a [2,2] weight of
/// 1..4 and a [2] bias of 5, 6.
void expectFcTensors(const NamedTensors &file, const std::string &weight = "fc.weight",
                     const std::string &bias = "fc.bias") {
  EXPECT_EQ(file.names(), (std::vector<std::string>{weight, bias}));
  EXPECT_TRUE(file.contains(bias));
  EXPECT_FALSE(file.contains("fc"));
  EXPECT_EQ(file.shape(weight), (std::vector<int64_t>{2, 2}));
  Tensor t;
  std::string error;
  ASSERT_TRUE(file.read(bias, t, error)) << error;
  EXPECT_EQ(t.shape, (std::vector<int64_t>{2}));
  EXPECT_EQ(t.data, (std::vector<float>{5, 6}));
  ASSERT_TRUE(file.read(weight, t, error)) << error;
  EXPECT_EQ(t.data, (std::vector<float>{1, 2, 3, 4}));
}

} // namespace

TEST(NamedTensors, OnnxInitializers) {
  std::string path = tempPath("fc.onnx"), error;
  writeFile(path, onnxModel());
  auto file = cvc::tensorio::openNamedTensors(path, error);
  ASSERT_TRUE(file) << error;
  expectFcTensors(*file);
}

TEST(NamedTensors, TextualOnnxInitializers) {
  std::string path = tempPath("fc.onnxtxt"), error;
  writeFile(path, R"(<ir_version: 8, opset_import: ["" : 13]>
fc (float[1, 2] x) => (float[1, 2] y)
<float[2, 2] fc_weight = {1.0, 2.0, 3.0, 4.0}, float[2] fc_bias = {5.0, 6.0}>
{
  y = Gemm (x, fc_weight, fc_bias)
}
)");
  auto file = cvc::tensorio::openNamedTensors(path, error);
  ASSERT_TRUE(file) << error;
  expectFcTensors(*file, "fc_weight", "fc_bias");
}

TEST(NamedTensors, CheckpointTensorTable) {
  cvc::tensorio::Checkpoint c;
  c.model = "fc";
  c.states = {{"parameters", {1, 2, 3, 4, 5, 6}}, {"momentum", {0, 0, 0, 0, 0, 0}}};
  c.tensors = {{"fc.weight", 0, 0, {2, 2}}, {"fc.bias", 0, 4, {2}}};
  std::string path = tempPath("fc.ckpt"), error;
  ASSERT_TRUE(cvc::tensorio::writeCheckpoint(path, c, error)) << error;
  auto file = cvc::tensorio::openNamedTensors(path, error);
  ASSERT_TRUE(file) << error;
  expectFcTensors(*file);
  // Without a tensor table (format 1's state) there is nothing to load.
  c.tensors.clear();
  ASSERT_TRUE(cvc::tensorio::writeCheckpoint(path, c, error)) << error;
  EXPECT_FALSE(cvc::tensorio::openNamedTensors(path, error));
  EXPECT_EQ(error, "checkpoint '" + path +
                       "' has no tensor names (written by an older cvc-train); train again to "
                       "load it");
}

TEST(NamedTensors, RefusesWhatIsNeitherNamingTheFile) {
  std::string error;
  std::string missing = tempPath("missing.onnx");
  EXPECT_FALSE(cvc::tensorio::openNamedTensors(missing, error));
  EXPECT_EQ(error.rfind(missing + ": cannot read the file", 0), 0u) << error;
  std::string empty = tempPath("empty.onnx");
  writeFile(empty, "");
  EXPECT_FALSE(cvc::tensorio::openNamedTensors(empty, error));
  EXPECT_EQ(error, empty + ": the file is empty");
  std::string junk = tempPath("junk.onnx");
  writeFile(junk, "\xff\xff\xff not a model");
  EXPECT_FALSE(cvc::tensorio::openNamedTensors(junk, error));
  EXPECT_EQ(error, junk + ": not a valid ONNX model (the protobuf does not parse: the file is "
                          "truncated, corrupt, or not ONNX)");
  std::string cut = tempPath("cut.ckpt");
  writeFile(cut, "CVCCKPT2 and then nothing sensible");
  EXPECT_FALSE(cvc::tensorio::openNamedTensors(cut, error));
  EXPECT_EQ(error, "checkpoint '" + cut + "' is truncated or corrupted (checksum mismatch)");
  onnx::ModelProto model;
  std::string text = tempPath("bad.onnxtxt");
  writeFile(text, "this is not onnx");
  EXPECT_FALSE(cvc::tensorio::readOnnxModel(text, model, error));
  EXPECT_EQ(error.rfind(text + ": not a valid textual ONNX model: ", 0), 0u) << error;
}

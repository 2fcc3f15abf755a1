//===- TensorProtoTest.cpp - the one ONNX tensor decoder ----------------===//
//
// float32 from raw and typed data, float64 narrowed, external data beside
// the model (and nowhere else), integers; untrusted sizes are refused with
// a message naming the tensor before anything is allocated for them (a
// decoder that allocated first would die here asking for terabytes).
//
//===----------------------------------------------------------------------===//
#include "cvc/tensorio/TensorProto.h"

#include "../ScratchDir.h"

#include <gtest/gtest.h>

#include <onnx/onnx_pb.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using cvc::tensorio::decodeIntegers;
using cvc::tensorio::decodeTensor;
using cvc::tensorio::encodeTensor;
using cvc::tensorio::Tensor;
namespace fs = std::filesystem;

namespace {

onnx::TensorProto floats(const std::string &name, std::vector<int64_t> dims,
                         const std::vector<float> &values, bool raw) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims)
    t.add_dims(d);
  if (raw)
    t.set_raw_data(std::string(reinterpret_cast<const char *>(values.data()), values.size() * 4));
  else
    for (float v : values)
      t.add_float_data(v);
  return t;
}

/// The decoder's message for `t`, or "" when it decodes.
std::string refusal(const onnx::TensorProto &t, const std::string &dir = ".") {
  Tensor out;
  std::string error;
  return decodeTensor(t, dir, out, error) ? "" : error;
}

fs::path tempDir() {
  static cvc::test::ScratchDir dir("cvc-tensorproto-test");
  fs::create_directories(dir.path() / "model");
  return dir.path();
}

void writeFile(const fs::path &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

} // namespace

TEST(TensorProto, DecodesRawAndTypedFloat32) {
  for (bool raw : {true, false}) {
    Tensor out;
    std::string error;
    ASSERT_TRUE(decodeTensor(floats("w", {2, 3}, {1, 2, 3, 4, 5, 6}, raw), ".", out, error))
        << error;
    EXPECT_EQ(out.shape, (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(out.data, (std::vector<float>{1, 2, 3, 4, 5, 6}));
  }
  // A scalar has no dims and one value.
  Tensor scalar;
  std::string error;
  ASSERT_TRUE(decodeTensor(floats("s", {}, {2.5f}, false), ".", scalar, error)) << error;
  EXPECT_TRUE(scalar.shape.empty());
  EXPECT_EQ(scalar.data, (std::vector<float>{2.5f}));
}

TEST(TensorProto, NarrowsFloat64) {
  onnx::TensorProto typed;
  typed.set_name("d");
  typed.set_data_type(onnx::TensorProto::DOUBLE);
  typed.add_dims(2);
  typed.add_double_data(0.5);
  typed.add_double_data(-3.25);
  onnx::TensorProto raw = typed;
  raw.clear_double_data();
  double values[2] = {0.5, -3.25};
  raw.set_raw_data(std::string(reinterpret_cast<const char *>(values), sizeof(values)));
  for (const onnx::TensorProto &t : {typed, raw}) {
    Tensor out;
    std::string error;
    ASSERT_TRUE(decodeTensor(t, ".", out, error)) << error;
    EXPECT_EQ(out.data, (std::vector<float>{0.5f, -3.25f}));
  }
}

TEST(TensorProto, RefusesOtherTypesAndSizesThatDisagree) {
  onnx::TensorProto ints;
  ints.set_name("i");
  ints.set_data_type(onnx::TensorProto::INT64);
  EXPECT_EQ(refusal(ints), "tensor 'i': element type INT64 is not supported (only float32 tensors)");
  EXPECT_EQ(refusal(floats("w", {2, 3}, {1, 2, 3}, true)),
            "tensor 'w' holds 12 bytes of data but its shape needs 24");
  EXPECT_EQ(refusal(floats("w", {2, 3}, {1, 2, 3}, false)),
            "tensor 'w' holds 3 values but its shape needs 6");
  EXPECT_EQ(refusal(floats("w", {2, -3}, {}, false)), "tensor 'w' has an invalid shape");
}

TEST(TensorProto, UntrustedSizesAllocateNothing) {
  // 2^39 elements claimed, none present: 2 TB if allocated first.
  EXPECT_EQ(refusal(floats("big", {1 << 20, 1 << 19}, {1, 2}, false)),
            "tensor 'big' holds 2 values but its shape needs 549755813888");
  EXPECT_EQ(refusal(floats("big", {1 << 20, 1 << 19}, {1, 2}, true)),
            "tensor 'big' holds 8 bytes of data but its shape needs 2199023255552");
  // Extents whose product overflows int64.
  EXPECT_EQ(refusal(floats("wrap", {int64_t(1) << 32, int64_t(1) << 32, 16}, {}, false)),
            "tensor 'wrap' has an invalid shape");
  // External data claiming more than the file holds.
  writeFile(tempDir() / "model" / "small.bin", std::string(16, '\0'));
  onnx::TensorProto t = floats("ext", {1 << 20, 1 << 19}, {}, false);
  t.set_data_location(onnx::TensorProto::EXTERNAL);
  auto *location = t.add_external_data();
  location->set_key("location");
  location->set_value("small.bin");
  EXPECT_EQ(refusal(t, (tempDir() / "model").string()),
            "external data of tensor 'ext' is truncated or has the wrong length");
}

TEST(TensorProto, ReadsExternalDataBesideTheModelOnly) {
  fs::path dir = tempDir() / "model";
  float values[5] = {9, 1, 2, 3, 4};
  writeFile(dir / "weights.bin", std::string(reinterpret_cast<const char *>(values), sizeof(values)));
  auto external = [](const std::string &where, const std::string &offset,
                     const std::string &length) {
    onnx::TensorProto t = floats("ext", {2, 2}, {}, false);
    t.set_data_location(onnx::TensorProto::EXTERNAL);
    for (auto [key, value] : {std::pair{"location", where}, {"offset", offset}, {"length", length}})
      if (!value.empty()) {
        auto *entry = t.add_external_data();
        entry->set_key(key);
        entry->set_value(value);
      }
    return t;
  };
  Tensor out;
  std::string error;
  ASSERT_TRUE(decodeTensor(external("weights.bin", "4", "16"), dir.string(), out, error)) << error;
  EXPECT_EQ(out.data, (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(refusal(external("weights.bin", "8", ""), dir.string()),
            "external data of tensor 'ext' is truncated or has the wrong length");
  EXPECT_EQ(refusal(external("weights.bin", "0", "12"), dir.string()),
            "external data of tensor 'ext' is truncated or has the wrong length");
  EXPECT_EQ(refusal(external("weights.bin", "-4", ""), dir.string()),
            "tensor 'ext' has an invalid external data offset '-4'");
  EXPECT_EQ(refusal(external("../model/weights.bin", "", ""), dir.string()),
            "tensor 'ext' names an invalid external data location '../model/weights.bin'");
  std::string absolute = (dir / "weights.bin").string();
  EXPECT_EQ(refusal(external(absolute, "", ""), dir.string()),
            "tensor 'ext' names an invalid external data location '" + absolute + "'");
  std::string missing = refusal(external("missing.bin", "", ""), dir.string());
  EXPECT_NE(missing.find("cannot read external data '" + (dir / "missing.bin").string() +
                         "' of tensor 'ext'"),
            std::string::npos)
      << missing;
}

TEST(TensorProto, EncodesWhatItDecodes) {
  onnx::TensorProto t = floats("w", {3}, {7, 7, 7}, false);
  t.set_data_location(onnx::TensorProto::EXTERNAL);
  encodeTensor(Tensor{{2, 2}, {1, 2, 3, 4}}, t);
  EXPECT_EQ(t.name(), "w");
  EXPECT_EQ(t.float_data_size(), 0);
  EXPECT_EQ(t.external_data_size(), 0);
  Tensor back;
  std::string error;
  ASSERT_TRUE(decodeTensor(t, ".", back, error)) << error;
  EXPECT_EQ(back.shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(back.data, (std::vector<float>{1, 2, 3, 4}));
}

TEST(TensorProto, DecodesIntegers) {
  onnx::TensorProto wide;
  wide.set_data_type(onnx::TensorProto::INT64);
  wide.add_int64_data(-1);
  wide.add_int64_data(1ll << 40);
  EXPECT_EQ(decodeIntegers(wide), (std::vector<int64_t>{-1, 1ll << 40}));
  onnx::TensorProto raw;
  raw.set_data_type(onnx::TensorProto::INT32);
  int32_t values[2] = {3, -7};
  raw.set_raw_data(std::string(reinterpret_cast<const char *>(values), sizeof(values)));
  EXPECT_EQ(decodeIntegers(raw), (std::vector<int64_t>{3, -7}));
  onnx::TensorProto flags;
  flags.set_data_type(onnx::TensorProto::BOOL);
  flags.set_raw_data(std::string("\x01\x00\x02", 3));
  EXPECT_EQ(decodeIntegers(flags), (std::vector<int64_t>{1, 0, 1}));
}

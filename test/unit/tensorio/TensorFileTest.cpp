//===- TensorFileTest.cpp - .npy and .pb files --------------------------===//
//
// A .npy round trip, the headers NumPy writes, refusals naming the file,
// shapes larger than the data (checked before allocating), and TensorProto
// .pb files as the ONNX test data holds them.
//
//===----------------------------------------------------------------------===//
#include "cvc/tensorio/TensorFile.h"

#include "../ScratchDir.h"

#include <gtest/gtest.h>

#include <onnx/onnx_pb.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using cvc::tensorio::Tensor;
namespace fs = std::filesystem;

namespace {

std::string tempPath(const std::string &name) {
  static cvc::test::ScratchDir dir("cvc-tensorfile-test");
  return (dir.path() / name).string();
}

void writeFile(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

/// A version 1.0 .npy file with `header` (padded as NumPy pads it) and `data`.
std::string npy(const std::string &header, const std::string &data) {
  std::string h = header;
  h.append((64 - (10 + h.size() + 1) % 64) % 64, ' ');
  h += '\n';
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(h.size() & 0xff);
  bytes += static_cast<char>(h.size() >> 8);
  return bytes + h + data;
}

std::string refusal(const std::string &path) {
  Tensor out;
  std::string error;
  return cvc::tensorio::readTensorFile(path, out, error) ? "" : error;
}

} // namespace

TEST(TensorFile, NpyRoundTrip) {
  std::string path = tempPath("round.npy"), error;
  Tensor t{{2, 1, 3}, {1, 2, 3, 4, 5, 6}};
  ASSERT_TRUE(cvc::tensorio::writeNpy(path, t, error)) << error;
  Tensor back;
  ASSERT_TRUE(cvc::tensorio::readTensorFile(path, back, error)) << error;
  EXPECT_EQ(back.shape, t.shape);
  EXPECT_EQ(back.data, t.data);
  // A 1-d array is written as NumPy writes it, "(n,)".
  ASSERT_TRUE(cvc::tensorio::writeNpy(path, Tensor{{3}, {1, 2, 3}}, error)) << error;
  ASSERT_TRUE(cvc::tensorio::readNpy(path, back, error)) << error;
  EXPECT_EQ(back.shape, (std::vector<int64_t>{3}));
}

TEST(TensorFile, NpyRefusalsNameTheFile) {
  std::string path = tempPath("bad.npy");
  writeFile(path, "just text");
  EXPECT_EQ(refusal(path), path + ": not a .npy file");
  writeFile(path, npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", std::string(16, 0)));
  EXPECT_EQ(refusal(path), path + ": element type '<f8' is not supported (expected float32, '<f4')");
  writeFile(path, npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", std::string(16, 0)));
  EXPECT_EQ(refusal(path),
            path + ": Fortran-ordered arrays are not supported (use np.ascontiguousarray)");
  writeFile(path, npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", std::string(20, 0)));
  EXPECT_EQ(refusal(path), path + ": holds 20 bytes of data, the shape needs 24");
  std::string cut = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", "");
  writeFile(path, cut.substr(0, 30));
  EXPECT_EQ(refusal(path), path + ": truncated .npy header");
  EXPECT_EQ(refusal(tempPath("absent.npy")), tempPath("absent.npy") + ": cannot open the file");
  EXPECT_EQ(refusal(tempPath("x.txt")),
            tempPath("x.txt") + ": unknown tensor file type (expected .npy or .pb)");
}

TEST(TensorFile, NpyShapesLargerThanTheDataAllocateNothing) {
  std::string path = tempPath("huge.npy");
  // 2^40 elements claimed (4 TB), 8 bytes present.
  writeFile(path, npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1048576, 1048576), }",
                      std::string(8, 0)));
  EXPECT_EQ(refusal(path), path + ": holds 8 bytes of data, the shape needs 4398046511104");
  // A product that overflows int64 is malformed, not wrapped around.
  writeFile(path, npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, "
                      "1099511627776, 16), }",
                      std::string(8, 0)));
  EXPECT_EQ(refusal(path), path + ": malformed .npy shape");
}

TEST(TensorFile, ReadsTensorProtoFiles) {
  std::string path = tempPath("input_0.pb");
  onnx::TensorProto t;
  t.set_name("x");
  t.set_data_type(onnx::TensorProto::FLOAT);
  t.add_dims(1);
  t.add_dims(2);
  t.add_float_data(0.25f);
  t.add_float_data(-1.0f);
  writeFile(path, t.SerializeAsString());
  Tensor back;
  std::string error;
  ASSERT_TRUE(cvc::tensorio::readTensorFile(path, back, error)) << error;
  EXPECT_EQ(back.shape, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(back.data, (std::vector<float>{0.25f, -1.0f}));
  t.add_float_data(3.0f);
  writeFile(path, t.SerializeAsString());
  EXPECT_EQ(refusal(path), path + ": tensor 'x' holds 3 values but its shape needs 2");
  writeFile(path, "");
  EXPECT_EQ(refusal(path), path + ": the file is empty");
  writeFile(path, "\xff\xff\xff garbage");
  EXPECT_EQ(refusal(path), path + ": not an ONNX TensorProto file (the protobuf does not parse: "
                                  "the file is truncated, corrupt, or not ONNX)");
}

TEST(TensorFile, FileNamesForTensors) {
  EXPECT_EQ(cvc::tensorio::fileNameFor("logits"), "logits");
  EXPECT_EQ(cvc::tensorio::fileNameFor("fc/out:0"), "fc_out_0");
  EXPECT_EQ(cvc::tensorio::fileNameFor(""), "output");
}

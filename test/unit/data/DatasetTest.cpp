//===- DatasetTest.cpp - data set readers and their errors --------------===//
//
// Fashion-MNIST as Debian installs it (gzip idx), small synthetic idx,
// CIFAR-10 and folder data sets written by the tests, subsets, and the
// message of every kind of bad file: it names the file and what is wrong.
//
//===----------------------------------------------------------------------===//
#include "DataTestUtil.h"

#include <zlib.h>

#include <fstream>
#include <vector>

using namespace cvc::test;
namespace fs = std::filesystem;

namespace {

void writeBytes(const fs::path &path, const std::vector<uint8_t> &bytes) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char *>(bytes.data()), std::streamsize(bytes.size()));
}

void writeGzip(const fs::path &path, const std::vector<uint8_t> &bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, bytes.data(), unsigned(bytes.size()));
  gzclose(f);
}

std::vector<uint8_t> idxHeader(std::vector<uint32_t> dims) {
  std::vector<uint8_t> b = {0, 0, 8, uint8_t(dims.size())};
  for (uint32_t d : dims)
    for (int s = 24; s >= 0; s -= 8)
      b.push_back(uint8_t(d >> s));
  return b;
}

/// n images of 2x3 with pixel values i*6+k and labels i % 4.
void writeSmallIdx(const fs::path &images, const fs::path &labels, uint32_t n, bool gzip) {
  std::vector<uint8_t> im = idxHeader({n, 2, 3}), lb = idxHeader({n});
  for (uint32_t i = 0; i < n; ++i) {
    for (int k = 0; k < 6; ++k)
      im.push_back(uint8_t(i * 6 + k));
    lb.push_back(uint8_t(i % 4));
  }
  (gzip ? writeGzip : writeBytes)(images, im);
  (gzip ? writeGzip : writeBytes)(labels, lb);
}

struct Dataset {
  cvc_dataset *ds = nullptr;
  ~Dataset() { cvc_dataset_free(ds); }
};

} // namespace

TEST(Dataset, FashionMnistFromDebian) {
  Dataset train, test;
  ASSERT_EQ(take(cvc_dataset_open(kFashionTrain, &train.ds)), "");
  ASSERT_EQ(take(cvc_dataset_open("fashion-mnist:test", &test.ds)), "");
  EXPECT_EQ(cvc_dataset_count(train.ds), 60000u);
  EXPECT_EQ(cvc_dataset_count(test.ds), 10000u);
  EXPECT_EQ(cvc_dataset_channels(train.ds), 1);
  EXPECT_EQ(cvc_dataset_height(train.ds), 28);
  EXPECT_EQ(cvc_dataset_width(train.ds), 28);
  EXPECT_EQ(cvc_dataset_class_count(train.ds), 10);
  std::vector<float> images(2 * 28 * 28);
  int32_t labels[2];
  ASSERT_EQ(take(cvc_dataset_read(train.ds, 0, 2, images.data(), labels)), "");
  EXPECT_EQ(labels[0], 9); // the first training image is an ankle boot
  EXPECT_EQ(labels[1], 0);
  for (float v : images)
    ASSERT_TRUE(v >= 0.0f && v <= 1.0f);
}

TEST(Dataset, IdxPlainAndGzipAgree) {
  fs::path dir = scratchDir("idx");
  writeSmallIdx(dir / "a-img", dir / "a-lbl", 5, false);
  writeSmallIdx(dir / "b-img.gz", dir / "b-lbl.gz", 5, true);
  Dataset a, b;
  ASSERT_EQ(take(cvc_dataset_open_idx((dir / "a-img").c_str(), (dir / "a-lbl").c_str(), &a.ds)), "");
  ASSERT_EQ(take(cvc_dataset_open_idx((dir / "b-img.gz").c_str(), (dir / "b-lbl.gz").c_str(), &b.ds)), "");
  std::vector<float> x(5 * 6), y(5 * 6);
  int32_t lx[5], ly[5];
  ASSERT_EQ(take(cvc_dataset_read(a.ds, 0, 5, x.data(), lx)), "");
  ASSERT_EQ(take(cvc_dataset_read(b.ds, 0, 5, y.data(), ly)), "");
  EXPECT_EQ(x, y);
  EXPECT_FLOAT_EQ(x[7], 7.0f / 255.0f);
  EXPECT_EQ(lx[4], 0);
  EXPECT_EQ(cvc_dataset_class_count(a.ds), 4);
  EXPECT_NE(take(cvc_dataset_read(a.ds, 4, 2, x.data(), lx)).find("outside"), std::string::npos);
}

TEST(Dataset, IdxErrorsNameTheFileAndTheProblem) {
  fs::path dir = scratchDir("idx-bad");
  writeSmallIdx(dir / "img", dir / "lbl", 5, false);
  writeSmallIdx(dir / "img3", dir / "lbl3", 3, false);
  std::vector<uint8_t> truncated = idxHeader({5, 2, 3});
  truncated.resize(truncated.size() + 10);
  writeBytes(dir / "truncated", truncated);
  writeBytes(dir / "magic", {'G', 'I', 'F', '8', 0, 0, 0, 0});
  struct Case {
    fs::path images, labels;
    std::string expected;
  } cases[] = {
      {dir / "missing", dir / "lbl", "missing: cannot open"},
      {dir / "magic", dir / "lbl", "magic: not an idx file (bad magic number)"},
      {dir / "truncated", dir / "lbl", "truncated: truncated: the header announces 30 bytes"},
      {dir / "img", dir / "img", "expected an idx array of rank 1, got 3"},
      {dir / "img", dir / "lbl3", "holds 5 images but " + (dir / "lbl3").string() + " holds 3 labels"},
  };
  for (const Case &c : cases) {
    Dataset d;
    std::string message = take(cvc_dataset_open_idx(c.images.c_str(), c.labels.c_str(), &d.ds));
    EXPECT_NE(message.find(c.expected), std::string::npos) << message;
    EXPECT_EQ(d.ds, nullptr);
  }
  Dataset d;
  EXPECT_NE(take(cvc_dataset_open("mnist", &d.ds)).find("unknown data set 'mnist'"), std::string::npos);
}

TEST(Dataset, Cifar10BinaryBatches) {
  fs::path dir = scratchDir("cifar");
  std::vector<uint8_t> batch1, batch2;
  for (int r = 0; r < 3; ++r) {
    batch1.push_back(uint8_t(r));
    for (int k = 0; k < 3072; ++k)
      batch1.push_back(uint8_t(k * 7 + r));
  }
  batch2.assign(batch1.begin(), batch1.begin() + 3073);
  batch2[0] = 9;
  writeBytes(dir / "data_batch_1.bin", batch1);
  writeBytes(dir / "data_batch_2.bin", batch2);
  std::string spec = "cifar10:" + (dir / "data_batch_1.bin").string() + "," +
                     (dir / "data_batch_2.bin").string();
  Dataset d;
  ASSERT_EQ(take(cvc_dataset_open(spec.c_str(), &d.ds)), "");
  EXPECT_EQ(cvc_dataset_count(d.ds), 4u);
  EXPECT_EQ(cvc_dataset_channels(d.ds), 3);
  EXPECT_EQ(cvc_dataset_height(d.ds), 32);
  EXPECT_EQ(cvc_dataset_class_count(d.ds), 10);
  std::vector<float> images(4 * 3072);
  int32_t labels[4];
  ASSERT_EQ(take(cvc_dataset_read(d.ds, 0, 4, images.data(), labels)), "");
  EXPECT_EQ(labels[1], 1);
  EXPECT_EQ(labels[3], 9);
  // Record 1, channel 1 (green), pixel (0, 2): byte 1024 + 2 of the record.
  EXPECT_FLOAT_EQ(images[3072 + 1024 + 2], float(uint8_t((1024 + 2) * 7 + 1)) / 255.0f);

  batch1.resize(3073 * 2 + 100);
  writeBytes(dir / "short.bin", batch1);
  batch2[0] = 10;
  writeBytes(dir / "label.bin", batch2);
  Dataset bad;
  std::string m = take(cvc_dataset_open(("cifar10:" + (dir / "short.bin").string()).c_str(), &bad.ds));
  EXPECT_NE(m.find("short.bin: truncated CIFAR-10 batch"), std::string::npos) << m;
  m = take(cvc_dataset_open(("cifar10:" + (dir / "label.bin").string()).c_str(), &bad.ds));
  EXPECT_NE(m.find("label.bin: record 0 has label 10"), std::string::npos) << m;
}

TEST(Dataset, FolderOfImagesPerClass) {
  fs::path dir = scratchDir("folder");
  fs::create_directories(dir / "cat");
  fs::create_directories(dir / "dog");
  auto pgm = [](const fs::path &p, int w, int h, uint8_t v) {
    std::ofstream f(p, std::ios::binary);
    f << "P5\n# a comment\n" << w << " " << h << "\n255\n" << std::string(size_t(w) * h, char(v));
  };
  auto ppm = [](const fs::path &p, int w, int h, uint8_t r, uint8_t g, uint8_t b) {
    std::ofstream f(p, std::ios::binary);
    f << "P6\n" << w << " " << h << "\n255\n";
    for (int i = 0; i < w * h; ++i)
      f << char(r) << char(g) << char(b);
  };
  pgm(dir / "cat" / "a.pgm", 4, 3, 51);
  ppm(dir / "cat" / "b.ppm", 4, 3, 255, 0, 102);
  pgm(dir / "dog" / "c.pgm", 8, 6, 204); // another size: resized to 3x4
  Dataset d;
  ASSERT_EQ(take(cvc_dataset_open(("folder:" + dir.string()).c_str(), &d.ds)), "");
  EXPECT_EQ(cvc_dataset_count(d.ds), 3u);
  EXPECT_EQ(cvc_dataset_channels(d.ds), 3); // one colour image makes the set colour
  EXPECT_EQ(cvc_dataset_height(d.ds), 3);
  EXPECT_EQ(cvc_dataset_width(d.ds), 4);
  EXPECT_EQ(cvc_dataset_class_count(d.ds), 2);
  std::vector<float> images(3 * 3 * 12);
  int32_t labels[3];
  ASSERT_EQ(take(cvc_dataset_read(d.ds, 0, 3, images.data(), labels)), "");
  EXPECT_EQ(labels[0], 0);
  EXPECT_EQ(labels[2], 1);
  EXPECT_FLOAT_EQ(images[24], 51.0f / 255.0f);     // grey replicated into blue
  EXPECT_FLOAT_EQ(images[36 + 24], 102.0f / 255.0f); // the PPM's blue
  EXPECT_FLOAT_EQ(images[72 + 5], 204.0f / 255.0f);  // a constant image stays constant

  std::ofstream(dir / "dog" / "broken.ppm", std::ios::binary) << "P6\n4 3\n255\nabc";
  Dataset bad;
  std::string m = take(cvc_dataset_open(("folder:" + dir.string()).c_str(), &bad.ds));
  EXPECT_NE(m.find("broken.ppm: truncated"), std::string::npos) << m;
}

TEST(Dataset, SubsetOfClassesAndFirstImagesPerClass) {
  Dataset train, five, few;
  ASSERT_EQ(take(cvc_dataset_open(kFashionTrain, &train.ds)), "");
  const int32_t classes[] = {7, 0, 3, 5, 9};
  ASSERT_EQ(take(cvc_dataset_subset(train.ds, classes, 5, 0, &five.ds)), "");
  EXPECT_EQ(cvc_dataset_count(five.ds), 30000u); // 6000 per class
  EXPECT_EQ(cvc_dataset_class_count(five.ds), 5);
  ASSERT_EQ(take(cvc_dataset_subset(five.ds, nullptr, 0, 100, &few.ds)), "");
  EXPECT_EQ(cvc_dataset_count(few.ds), 500u);
  std::vector<float> images(500 * 784);
  std::vector<int32_t> labels(500);
  ASSERT_EQ(take(cvc_dataset_read(few.ds, 0, 500, images.data(), labels.data())), "");
  std::vector<int> perClass(5, 0);
  for (int32_t l : labels) {
    ASSERT_TRUE(l >= 0 && l < 5);
    ++perClass[l];
  }
  EXPECT_EQ(perClass, std::vector<int>(5, 100));
  // The first image of the whole set is class 9, listed fifth: label 4.
  EXPECT_EQ(labels[0], 4);
  std::vector<float> first(784);
  ASSERT_EQ(take(cvc_dataset_read(train.ds, 0, 1, first.data(), nullptr)), "");
  EXPECT_TRUE(std::equal(first.begin(), first.end(), images.begin()));

  Dataset bad;
  const int32_t outOfRange[] = {10};
  EXPECT_NE(take(cvc_dataset_subset(train.ds, outOfRange, 1, 0, &bad.ds)).find("class 10 is not in 0..9"),
            std::string::npos);
}

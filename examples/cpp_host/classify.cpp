// Classifies images of a data set with the model this program is linked
// with (cvc_add_model in CMakeLists.txt), through cvc.hpp and libcvc_data.
//
//   classify [--data SPEC] [--count N] [--mean M] [--std S] [--scores FILE]
//
// Images are normalised ((x - mean) / std, defaults those the bundled
// LeNet-5 was trained with) and centred in the model's input with zero
// borders (Fashion-MNIST's 28 x 28 in LeNet-5's 32 x 32, as in the paper).
// Prints the accuracy; --scores writes the first output as raw float32.
#include <cvc/cvc.hpp>
#include <cvc/data.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace {

using cvc::check; // libcvc_data's statuses as exceptions

int run(int argc, char **argv) {
  std::string spec = "fashion-mnist:test", scoresPath;
  size_t count = 1000;
  float mean = 0.2860f, std = 0.3530f;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--data")
      spec = value;
    else if (flag == "--count")
      count = std::stoul(value);
    else if (flag == "--mean")
      mean = std::stof(value);
    else if (flag == "--std")
      std = std::stof(value);
    else if (flag == "--scores")
      scoresPath = value;
    else
      throw std::invalid_argument("unknown option " + flag);
  }

  cvc::Model model = cvc::Model::linked();
  cvc::Session session(model);
  cvc::TensorInfo input = model.inputs().at(0), output = model.outputs().at(0);
  if (input.shape.size() != 4 || output.shape.size() != 2)
    throw std::invalid_argument("the model should take N x C x H x W images and give N x K scores");
  int64_t channels = input.shape[1], height = input.shape[2], width = input.shape[3];
  int64_t classes = output.shape[1];
  // A dynamic batch takes 100 images per run, a fixed one its own.
  int64_t batch = input.shape[0] < 0 ? 100 : input.shape[0];

  cvc_dataset *dataset = nullptr;
  check(cvc_dataset_open(spec.c_str(), &dataset));
  std::unique_ptr<cvc_dataset, void (*)(cvc_dataset *)> owner(dataset, cvc_dataset_free);
  int64_t c = cvc_dataset_channels(dataset), h = cvc_dataset_height(dataset),
          w = cvc_dataset_width(dataset);
  if (c != channels || h > height || w > width)
    throw std::invalid_argument("the model takes " + std::to_string(channels) + " x " +
                                std::to_string(height) + " x " + std::to_string(width) +
                                " images; " + spec + " has " + std::to_string(c) + " x " +
                                std::to_string(h) + " x " + std::to_string(w));
  count = std::min(count, cvc_dataset_count(dataset));

  std::vector<float> pixels(batch * c * h * w), images(batch * channels * height * width);
  std::vector<int32_t> labels(batch);
  std::vector<float> scores(batch * classes), allScores;
  size_t correct = 0;
  for (size_t first = 0; first < count; first += batch) {
    int64_t n = std::min<int64_t>(batch, count - first);
    check(cvc_dataset_read(dataset, first, n, pixels.data(), labels.data()));
    std::fill(images.begin(), images.end(), 0.0f);
    int64_t top = (height - h) / 2, left = (width - w) / 2;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t ch = 0; ch < c; ++ch)
        for (int64_t y = 0; y < h; ++y)
          for (int64_t x = 0; x < w; ++x)
            images[((i * channels + ch) * height + top + y) * width + left + x] =
                (pixels[((i * c + ch) * h + y) * w + x] - mean) / std;
    // A fixed batch runs whole; a dynamic one runs the images there are.
    int64_t runBatch = input.shape[0] < 0 ? n : batch;
    session.run({{images.data(), {runBatch, channels, height, width}}},
                {{scores.data(), {runBatch, classes}}});
    for (int64_t i = 0; i < n; ++i) {
      const float *row = &scores[i * classes];
      correct += std::max_element(row, row + classes) - row == labels[i];
    }
    allScores.insert(allScores.end(), scores.begin(), scores.begin() + n * classes);
  }
  std::printf("%s: %zu images of %s, top-1 %.2f%%\n", model.name().c_str(), count, spec.c_str(),
              100.0 * correct / count);
  if (!scoresPath.empty()) {
    std::ofstream file(scoresPath, std::ios::binary);
    file.write(reinterpret_cast<const char *>(allScores.data()),
               static_cast<std::streamsize>(allScores.size() * sizeof(float)));
    if (!file)
      throw std::runtime_error("cannot write " + scoresPath);
  }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception &e) {
    std::fprintf(stderr, "classify: %s\n", e.what());
    return 1;
  }
}

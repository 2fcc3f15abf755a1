//===- cvc-augment.cpp - look at and time augmentation pipelines --------===//
//
//   cvc-augment grid  --data SPEC --augment SPEC [--count N] [--images N] [--first I]
//                     [--seed S] [--zoom Z] -o grid.png|.ppm|.pgm
//   cvc-augment bench --data SPEC [--augment SPEC]... [--images N] [--threads T]
//                     [--consumer-ms MS]
//
// grid: one row per image, the original first, then N augmented variants
// (variant k is epoch k's draw for that sample). bench: single-thread
// throughput of each pipeline next to memcpy's, and the loader's rate and
// consumer waiting time with 0 and T producer threads. Each pipeline reads
// the whole set and writes every result to its own place, as the memcpy of
// the set does; times are the thread's CPU time (best of 3), which a shared
// machine disturbs less than wall time.
//
//===----------------------------------------------------------------------===//
#include "CommandLine.h"
#include "cvc/files/TerminalText.h"
#include "cvc/data.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <time.h>
#include <vector>

namespace {

[[noreturn]] void die(const std::string &message) {
  std::fprintf(stderr, "cvc-augment: error: %s\n", cvc::files::printable(message).c_str());
  std::exit(1);
}

void check(cvc_status status) {
  if (!status)
    return;
  std::string m = cvc_status_message(status);
  cvc_status_free(status);
  die(m);
}

namespace flags {
using namespace llvm;
cl::OptionCategory category("cvc-augment options");
cl::SubCommand grid("grid", "One row per image: the original, then --count augmented variants "
                            "(variant k is epoch k's draw for that sample)");
cl::SubCommand bench("bench", "Single-thread throughput of each pipeline next to memcpy's, and "
                              "the loader's rate and waiting with 0 and --threads producers");
cl::opt<std::string> data("data",
                          cl::desc("Data set: fashion-mnist[:train|:test], idx:IMAGES,LABELS, "
                                   "cifar10:FILE[,FILE...], folder:DIR"),
                          cl::init("fashion-mnist"), cl::value_desc("SPEC"), cl::sub(grid),
                          cl::sub(bench), cl::cat(category));
cl::list<std::string> augment("augment",
                              cl::desc("Augmentation pipeline (grid: one; bench: any number, "
                                       "default a standard set)"),
                              cl::value_desc("SPEC"), cl::sub(grid), cl::sub(bench), cl::cat(category));
cl::opt<long> count("count", cl::desc("Augmented variants per image (default 8)"), cl::init(8),
                    cl::value_desc("N"), cl::sub(grid), cl::cat(category));
cl::opt<long> images("images",
                     cl::desc("Images (grid: rows, default 1; bench: at most, default 10000)"),
                     cl::init(0), cl::value_desc("N"), cl::sub(grid), cl::sub(bench), cl::cat(category));
cl::opt<long> first("first", cl::desc("Index of the first image (default 0)"), cl::init(0),
                    cl::value_desc("I"), cl::sub(grid), cl::cat(category));
cl::opt<long> seed("seed", cl::desc("Augmentation seed (default 0)"), cl::init(0),
                   cl::value_desc("S"), cl::sub(grid), cl::cat(category));
cl::opt<long> zoom("zoom", cl::desc("Pixel zoom (default: cells of about 96 pixels)"),
                   cl::init(0), cl::value_desc("Z"), cl::sub(grid), cl::cat(category));
cl::opt<std::string> output("o", cl::desc("The grid image: .png, .ppm or .pgm"),
                            cl::value_desc("FILE"), cl::sub(grid), cl::cat(category));
cl::opt<long> threads("threads", cl::desc("Loader producer threads (default 2)"), cl::init(2),
                      cl::value_desc("T"), cl::sub(bench), cl::cat(category));
cl::opt<double> consumerMs("consumer-ms",
                           cl::desc("Milliseconds a simulated trainer spends per batch"),
                           cl::init(0), cl::value_desc("MS"), cl::sub(bench), cl::cat(category));
} // namespace flags

struct Options {
  std::string mode, data = "fashion-mnist", output;
  std::vector<std::string> augment;
  long count = 8, images = 0, first = 0, seed = 0, zoom = 0, threads = 2;
  double consumerMs = 0;
};

/// Dies unless --`option`, when given, is at least `min` (--images and
/// --zoom default to 0: chosen from the data).
void requireAtLeast(const llvm::cl::opt<long> &option, long min) {
  if (!option.getNumOccurrences())
    return;
  if (std::string message = cvc::tools::belowMinimum(option, min); !message.empty())
    die(message);
}

Options parse(int argc, char **argv) {
  using namespace flags;
  for (llvm::cl::SubCommand *command : {&llvm::cl::SubCommand::getTopLevel(), &grid, &bench})
    llvm::cl::HideUnrelatedOptions(category, *command);
  llvm::cl::ParseCommandLineOptions(argc, argv,
                                    "cvc-augment: look at and time augmentation pipelines\n");
  Options o;
  if (grid)
    o.mode = "grid";
  else if (bench)
    o.mode = "bench";
  else
    die("no mode given (cvc-augment grid ... or cvc-augment bench ...; --help lists them)");
  requireAtLeast(count, 1);
  requireAtLeast(images, 1);
  requireAtLeast(first, 0);
  requireAtLeast(seed, 0);
  requireAtLeast(zoom, 1);
  requireAtLeast(threads, 1);
  if (consumerMs < 0) {
    char given[32];
    std::snprintf(given, sizeof(given), "%g", consumerMs.getValue());
    die(std::string("--consumer-ms expects a number >= 0, got ") + given);
  }
  o.data = data;
  o.augment.assign(augment.begin(), augment.end());
  o.count = count;
  o.images = images;
  o.first = first;
  o.seed = seed;
  o.zoom = zoom;
  o.output = output;
  o.threads = threads;
  o.consumerMs = consumerMs;
  return o;
}

/// The pipeline of `spec`; on colour data with the data set's principal
/// components for pca (the loader does the same with its own data set).
cvc_augment_pipeline *makePipeline(const std::string &spec, cvc_dataset *ds) {
  cvc_augment_pipeline *pipeline = nullptr;
  check(cvc_augment_pipeline_create(spec.c_str(), &pipeline));
  if (cvc_dataset_channels(ds) != 3)
    return pipeline;
  float values[3], vectors[9];
  check(cvc_dataset_rgb_pca(ds, values, vectors));
  cvc_augment_pipeline *fitted = nullptr;
  check(cvc_augment_pipeline_with_pca(pipeline, values, vectors, &fitted));
  cvc_augment_pipeline_free(pipeline);
  return fitted;
}

struct Image {
  int channels, height, width;
  std::vector<float> pixels;
};

/// Places `image` centred in cell (row, col) of the grid, nearest-neighbour zoomed.
void place(const Image &image, Image &grid, int row, int col, int cell, int zoom) {
  int gap = 2;
  int y0 = gap + row * (cell + gap) + (cell - image.height * zoom) / 2;
  int x0 = gap + col * (cell + gap) + (cell - image.width * zoom) / 2;
  size_t gridPlane = size_t(grid.height) * grid.width, plane = size_t(image.height) * image.width;
  for (int c = 0; c < grid.channels; ++c) {
    const float *src = image.pixels.data() + (image.channels == 1 ? 0 : c) * plane;
    for (int y = 0; y < image.height * zoom; ++y)
      for (int x = 0; x < image.width * zoom; ++x)
        grid.pixels[c * gridPlane + size_t(y0 + y) * grid.width + x0 + x] =
            src[size_t(y / zoom) * image.width + x / zoom];
  }
}

int grid(const Options &o, cvc_dataset *ds) {
  if (o.output.empty())
    die("grid needs -o FILE (.png, .ppm or .pgm)");
  if (o.augment.size() != 1)
    die("grid needs exactly one --augment SPEC");
  cvc_augment_pipeline *pipeline = makePipeline(o.augment[0], ds);
  int c = cvc_dataset_channels(ds), h = cvc_dataset_height(ds), w = cvc_dataset_width(ds);
  size_t rows = size_t(o.images ? o.images : 1);
  if (size_t(o.first) + rows > cvc_dataset_count(ds))
    die("images " + std::to_string(o.first) + ".." + std::to_string(o.first + rows - 1) +
        " are outside the data set's " + std::to_string(cvc_dataset_count(ds)));
  int32_t out[3];
  check(cvc_augment_output_shape(pipeline, c, h, w, out));
  int zoom = int(o.zoom ? o.zoom : std::max(1, 96 / std::max(h, w)));
  int cell = std::max(std::max(h, w), std::max(out[1], out[2])) * zoom, gap = 2;
  int cols = int(o.count) + 1;
  Image gridImage{c, gap + int(rows) * (cell + gap), gap + cols * (cell + gap), {}};
  gridImage.pixels.assign(size_t(c) * gridImage.height * gridImage.width, 0.5f);
  for (size_t r = 0; r < rows; ++r) {
    Image original{c, h, w, std::vector<float>(size_t(c) * h * w)};
    check(cvc_dataset_read(ds, size_t(o.first) + r, 1, original.pixels.data(), nullptr));
    place(original, gridImage, int(r), 0, cell, zoom);
    for (long k = 0; k < o.count; ++k) {
      Image variant{out[0], out[1], out[2], std::vector<float>(size_t(out[0]) * out[1] * out[2])};
      check(cvc_augment_apply(pipeline, uint64_t(o.seed), uint64_t(k), uint64_t(o.first) + r,
                              original.pixels.data(), c, h, w, variant.pixels.data()));
      place(variant, gridImage, int(r), int(k) + 1, cell, zoom);
    }
  }
  cvc_augment_pipeline_free(pipeline);
  check(cvc_image_write(o.output.c_str(), gridImage.pixels.data(), c, gridImage.height,
                        gridImage.width));
  std::printf("wrote %s: %zu image(s), the original and %ld variants each\n", o.output.c_str(),
              rows, o.count);
  return 0;
}

double seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double threadSeconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

int bench(const Options &o, cvc_dataset *ds) {
  int c = cvc_dataset_channels(ds), h = cvc_dataset_height(ds), w = cvc_dataset_width(ds);
  size_t n = std::min(cvc_dataset_count(ds), size_t(o.images ? o.images : 10000));
  size_t size = size_t(c) * h * w;
  std::vector<float> images(n * size), copy(n * size);
  check(cvc_dataset_read(ds, 0, n, images.data(), nullptr));
  double mb = double(n * size * sizeof(float)) / 1e6;
  std::printf("%zu images of %dx%dx%d (%.1f MB as float32), 1 thread, its CPU time, best of 3\n",
              n, c, h, w, mb);

  double best = 1e30;
  for (int rep = 0; rep < 5; ++rep) {
    double start = threadSeconds();
    std::memcpy(copy.data(), images.data(), images.size() * sizeof(float));
    best = std::min(best, threadSeconds() - start);
  }
  std::printf("%-60s %10.0f images/s %9.0f MB/s\n", "memcpy (the whole set, reference)", n / best,
              mb / best);

  std::vector<std::string> specs = o.augment;
  if (specs.empty()) {
    // Crops scale with the image: 24 pixels with 4 of padding on 28x28 ones.
    std::string size = std::to_string(std::max(1, (std::min(h, w) * 6 + 3) / 7));
    std::string pad = std::to_string((std::min(h, w) + 3) / 7);
    std::string crop = "crop:size=" + size + ",pad=" + pad;
    specs = {"mirror:p=1", crop, "crop:size=" + size + ",scale=0.5,ratio=1.33",
             "rotate:deg=10", "shear:deg=10", "elastic:alpha=8,sigma=3", "brightness:delta=0.2",
             "contrast:delta=0.2", "colorshift:std=0.1",
             "mirror," + crop + ",rotate:deg=10,elastic:alpha=8,sigma=3"};
  }
  for (const std::string &spec : specs) {
    cvc_augment_pipeline *pipeline = makePipeline(spec, ds);
    int32_t out[3];
    check(cvc_augment_output_shape(pipeline, c, h, w, out));
    size_t outSize = size_t(out[0]) * out[1] * out[2];
    std::vector<float> result(n * outSize);
    double t = 1e30;
    for (int rep = 0; rep < 3; ++rep) {
      double start = threadSeconds();
      for (size_t i = 0; i < n; ++i)
        check(cvc_augment_apply(pipeline, 1, uint64_t(rep), i, images.data() + i * size, c, h, w,
                                result.data() + i * outSize));
      t = std::min(t, threadSeconds() - start);
    }
    cvc_augment_pipeline_free(pipeline);
    std::printf("%-60s %10.0f images/s %9.0f MB/s  %5.1f%% of memcpy\n", spec.c_str(), n / t, mb / t,
                100.0 * best / t);
  }

  // The loader over the same images with the last pipeline: does a consumer
  // that spends --consumer-ms per batch (a trainer) wait on the producers?
  cvc_augment_pipeline *pipeline = makePipeline(specs.back(), ds);
  cvc_dataset *subset = nullptr;
  check(cvc_dataset_subset(ds, nullptr, 0, (n + cvc_dataset_class_count(ds) - 1) / cvc_dataset_class_count(ds), &subset));
  for (long threads : {0L, o.threads}) {
    cvc_loader_options lo;
    cvc_loader_options_init(&lo);
    lo.batch_size = 64;
    lo.threads = int32_t(threads);
    lo.augment = pipeline;
    cvc_loader *loader = nullptr;
    check(cvc_loader_create(subset, &lo, &loader));
    int32_t shape[3];
    cvc_loader_image_shape(loader, shape);
    std::vector<float> batch(64 * size_t(shape[0]) * shape[1] * shape[2]);
    std::vector<int32_t> labels(64);
    size_t count = 0, total = 0;
    auto start = std::chrono::steady_clock::now();
    do {
      check(cvc_loader_next(loader, batch.data(), labels.data(), &count));
      total += count;
      if (count && o.consumerMs > 0)
        std::this_thread::sleep_for(std::chrono::microseconds(long(o.consumerMs * 1000)));
    } while (count);
    double t = seconds(start);
    std::printf("loader, batch 64, %ld producer thread(s), consumer %.1f ms/batch: %8.0f images/s, "
                "consumer waited %.3f s of %.3f s\n",
                threads, o.consumerMs, total / t, cvc_loader_wait_seconds(loader), t);
    cvc_loader_free(loader);
  }
  cvc_dataset_free(subset);
  cvc_augment_pipeline_free(pipeline);
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  Options o = parse(argc, argv);
  cvc_dataset *ds = nullptr;
  check(cvc_dataset_open(o.data.c_str(), &ds));
  int rc = o.mode == "grid" ? grid(o, ds) : bench(o, ds);
  cvc_dataset_free(ds);
  return rc;
}

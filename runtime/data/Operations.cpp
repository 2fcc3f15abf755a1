//===- Operations.cpp - the augmentation operations ---------------------===//
//
// Each operation draws its parameters from the sample's generator, in a fixed
// order, then calls one kernel. Geometric operations follow torchvision's
// conventions (rotate: counter-clockwise degrees about the image centre;
// shear: torchvision's affine shear), so test/e2e compares them directly.
//
//===----------------------------------------------------------------------===//
#include "Augment.h"
#include "Kernels.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

namespace cvc::data {

namespace {

/// Checked access to an operation's parameters: unknown keys, missing
/// required ones and values out of range become one message.
class ParamReader {
public:
  ParamReader(std::string op, Params params, std::string &error)
      : op(std::move(op)), params(std::move(params)), error(error) {}

  float get(const std::string &key, float fallback, float lo, float hi) {
    known.insert(key);
    auto it = params.find(key);
    if (it == params.end())
      return fallback;
    if (!(it->second >= lo && it->second <= hi)) {
      fail(key + "=" + text(it->second) + " is out of range [" + text(lo) + ", " + text(hi) + "]");
      // The op is refused by finish(); until then callers convert what this
      // returns (to int, say), which an out-of-range value must not reach.
      return lo;
    }
    return it->second;
  }
  float required(const std::string &key, float lo, float hi) {
    if (!params.count(key))
      fail("needs " + key + "=VALUE");
    return get(key, 0, lo, hi);
  }
  bool has(const std::string &key) const { return params.count(key) != 0; }
  /// True when every parameter was known and valid.
  bool finish() {
    for (const auto &p : params)
      if (!known.count(p.first)) {
        std::string list;
        for (const std::string &k : known)
          list += (list.empty() ? "" : ", ") + k;
        fail("unknown parameter '" + p.first + "' (expected " + (list.empty() ? "none" : list) + ")");
      }
    return error.empty();
  }

private:
  static std::string text(float v) {
    std::ostringstream s;
    s << v;
    return s.str();
  }
  void fail(const std::string &what) {
    if (error.empty())
      error = op + ": " + what;
  }
  std::string op;
  Params params;
  std::set<std::string> known;
  std::string &error;
};

constexpr float kHuge = 1e6f;

class Mirror final : public Operation {
public:
  explicit Mirror(float p) : probability(p) {}
  bool apply(const float *src, Shape in, float *dst, Random &random) const override {
    if (random.uniform() >= probability)
      return false;
    hflip(src, in.channels, in.height, in.width, dst);
    return true;
  }

private:
  float probability;
};

class Pad final : public Operation {
public:
  Pad(int px, float fill) : px(px), fill(fill) {}
  Shape outputShape(Shape in, std::string &) const override {
    return {in.channels, in.height + 2 * px, in.width + 2 * px};
  }
  bool apply(const float *src, Shape in, float *dst, Random &) const override {
    pad(src, in.channels, in.height, in.width, px, fill, dst);
    return true;
  }

private:
  int px;
  float fill;
};

/// A random crop of the image padded by `padding`: size x size as it is, or
/// (with a scale range) a box of random area and aspect resized to size x size.
class Crop final : public Operation {
public:
  Crop(int size, int padding, float minScale, float maxRatio, bool resize)
      : size(size), padding(padding), minScale(minScale), maxRatio(maxRatio), resize(resize) {}

  Shape outputShape(Shape in, std::string &error) const override {
    int h = in.height + 2 * padding, w = in.width + 2 * padding;
    if (!resize && (h < size || w < size))
      error = "crop: size " + std::to_string(size) + " exceeds the (padded) image, " +
              std::to_string(h) + "x" + std::to_string(w);
    return {in.channels, size, size};
  }

  bool apply(const float *src, Shape in, float *dst, Random &random) const override {
    int h = in.height + 2 * padding, w = in.width + 2 * padding;
    if (!resize) { // a copy of a box of the padded image
      int top = int(random.below(uint64_t(h - size + 1)));
      int left = int(random.below(uint64_t(w - size + 1)));
      paddedCrop(src, in.channels, in.height, in.width, padding, top, left, size, size, 0.0f, dst);
      return true;
    }
    thread_local std::vector<float> padded;
    if (padding) {
      padded.resize(size_t(in.channels) * h * w);
      pad(src, in.channels, in.height, in.width, padding, 0.0f, padded.data());
      src = padded.data();
    }
    // As torchvision's RandomResizedCrop, without its fallback retries.
    float area = float(h) * float(w) * random.uniform(minScale, 1.0f);
    float ratio = std::exp(random.uniform(-std::log(maxRatio), std::log(maxRatio)));
    int cropW = std::clamp(int(std::lround(std::sqrt(area * ratio))), 1, w);
    int cropH = std::clamp(int(std::lround(std::sqrt(area / ratio))), 1, h);
    int top = int(random.below(uint64_t(h - cropH + 1)));
    int left = int(random.below(uint64_t(w - cropW + 1)));
    resizedCrop(src, in.channels, h, w, top, left, cropH, cropW, size, size, dst);
    return true;
  }

private:
  int size, padding;
  float minScale, maxRatio;
  bool resize;
};

/// Rotation (shearX = shearY = 0) or shear (angle = 0) about the centre.
class Affine final : public Operation {
public:
  Affine(float maxAngle, float maxShearX, float maxShearY, float fill)
      : maxAngle(maxAngle), maxShearX(maxShearX), maxShearY(maxShearY), fill(fill) {}
  bool apply(const float *src, Shape in, float *dst, Random &random) const override {
    float angle = random.uniform(-maxAngle, maxAngle);
    float shearX = random.uniform(-maxShearX, maxShearX);
    float shearY = random.uniform(-maxShearY, maxShearY);
    float inverse[6];
    // torchvision's rotate(angle) is affine(-angle): counter-clockwise.
    affineInverse(-angle, shearX, shearY, 1.0f, 0.0f, 0.0f, inverse);
    affineWarp(src, in.channels, in.height, in.width, inverse, fill, dst);
    return true;
  }

private:
  float maxAngle, maxShearX, maxShearY, fill;
};

/// Simard et al. (2003): uniform [-1,1] displacements smoothed by a Gaussian
/// of `sigma` pixels, scaled by `alpha` pixels.
class Elastic final : public Operation {
public:
  Elastic(float alpha, float sigma, float fill)
      : alpha(alpha), fill(fill), weights(gaussianWeights(sigma)) {}
  bool apply(const float *src, Shape in, float *dst, Random &random) const override {
    thread_local std::vector<float> field;
    size_t plane = size_t(in.height) * in.width;
    field.resize(2 * plane);
    float *dx = field.data(), *dy = dx + plane;
    random.fillUniform(dx, plane, -1.0f, 1.0f);
    random.fillUniform(dy, plane, -1.0f, 1.0f);
    gaussianBlur(dx, in.height, in.width, weights);
    gaussianBlur(dy, in.height, in.width, weights);
    displace(src, in.channels, in.height, in.width, dx, dy, alpha, fill, dst);
    return true;
  }

private:
  float alpha, fill;
  std::vector<float> weights;
};

/// brightness, contrast and colorshift: one clamped scale and offset per channel.
class ColourJitter final : public Operation {
public:
  enum Kind { Brightness, Contrast, Shift };
  ColourJitter(Kind kind, float amount) : kind(kind), amount(amount) {}
  bool apply(const float *src, Shape in, float *dst, Random &random) const override {
    thread_local std::vector<float> scale, offset;
    scale.assign(in.channels, 1.0f);
    offset.assign(in.channels, 0.0f);
    if (kind == Shift) {
      for (float &o : offset)
        o = amount * random.normal();
    } else {
      float factor = random.uniform(1.0f - amount, 1.0f + amount);
      std::fill(scale.begin(), scale.end(), factor);
      if (kind == Contrast) // torchvision's adjust_contrast: blend with the mean grey
        std::fill(offset.begin(), offset.end(),
                  (1.0f - factor) * meanGrey(src, in.channels, in.height, in.width));
    }
    scaleOffset(src, in.channels, in.height, in.width, scale.data(), offset.data(), true, dst);
    return true;
  }

private:
  Kind kind;
  float amount;
};

/// Krizhevsky et al. (2012): adds sum_i a_i * eigenvalue_i * eigenvector_i,
/// a_i ~ N(0, std), to every pixel; not clamped, as in the paper.
class PcaLighting final : public Operation {
public:
  explicit PcaLighting(float std) : std(std) {}
  Shape outputShape(Shape in, std::string &error) const override {
    if (in.channels != 3)
      error = "pca: needs 3-channel images, got " + std::to_string(in.channels);
    else if (!fitted)
      error = "pca: the data set's principal components are not set";
    return in;
  }
  bool needsPrincipalComponents() const override { return !fitted; }
  std::unique_ptr<Operation> withPrincipalComponents(const float *values,
                                                     const float *vectors) const override {
    auto op = std::make_unique<PcaLighting>(std);
    std::copy(values, values + 3, op->eigenvalues);
    std::copy(vectors, vectors + 9, op->eigenvectors);
    op->fitted = true;
    return op;
  }
  bool apply(const float *src, Shape in, float *dst, Random &random) const override {
    float weights[3], offset[3] = {0, 0, 0}, scale[3] = {1, 1, 1};
    for (float &a : weights)
      a = std * random.normal();
    for (int i = 0; i < 3; ++i)
      for (int c = 0; c < 3; ++c)
        offset[c] += weights[i] * eigenvalues[i] * eigenvectors[3 * i + c];
    scaleOffset(src, 3, in.height, in.width, scale, offset, false, dst);
    return true;
  }

private:
  float std;
  bool fitted = false;
  float eigenvalues[3] = {0, 0, 0}, eigenvectors[9] = {0};
};

} // namespace

std::unique_ptr<Operation> makeOperation(const std::string &name, Params params,
                                         std::string &error) {
  ParamReader p(name, std::move(params), error);
  std::unique_ptr<Operation> op;
  if (name == "mirror") {
    op = std::make_unique<Mirror>(p.get("p", 0.5f, 0, 1));
  } else if (name == "pad") {
    int px = int(p.required("px", 0, 4096));
    op = std::make_unique<Pad>(px, p.get("fill", 0, -kHuge, kHuge));
  } else if (name == "crop") {
    bool resize = p.has("scale") || p.has("ratio");
    int size = int(p.required("size", 1, 65536));
    int padding = int(p.get("pad", 0, 0, 4096));
    float scale = p.get("scale", 1, 1e-3f, 1), ratio = p.get("ratio", 1, 1, 100);
    op = std::make_unique<Crop>(size, padding, scale, ratio, resize);
  } else if (name == "rotate") {
    float deg = p.required("deg", 0, 180);
    op = std::make_unique<Affine>(deg, 0.0f, 0.0f, p.get("fill", 0, -kHuge, kHuge));
  } else if (name == "shear") {
    float deg = p.required("deg", 0, 80), ydeg = p.get("ydeg", 0, 0, 80);
    op = std::make_unique<Affine>(0.0f, deg, ydeg, p.get("fill", 0, -kHuge, kHuge));
  } else if (name == "elastic") {
    float alpha = p.required("alpha", 0, 1e4f), sigma = p.required("sigma", 0.1f, 1e3f);
    op = std::make_unique<Elastic>(alpha, sigma, p.get("fill", 0, -kHuge, kHuge));
  } else if (name == "brightness") {
    op = std::make_unique<ColourJitter>(ColourJitter::Brightness, p.required("delta", 0, 1));
  } else if (name == "contrast") {
    op = std::make_unique<ColourJitter>(ColourJitter::Contrast, p.required("delta", 0, 1));
  } else if (name == "colorshift") {
    op = std::make_unique<ColourJitter>(ColourJitter::Shift, p.required("std", 0, 10));
  } else if (name == "pca") {
    op = std::make_unique<PcaLighting>(p.get("std", 0.1f, 0, 10));
  } else {
    error = "unknown augmentation '" + name +
            "' (expected mirror, pad, crop, rotate, shear, elastic, brightness, contrast, "
            "colorshift or pca)";
    return nullptr;
  }
  if (!p.finish())
    return nullptr;
  return op;
}

} // namespace cvc::data

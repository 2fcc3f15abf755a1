//===- LowRankBottleneck.cpp - factorise k x k convolutions (lossy) -----===//
//
// A k x k convolution from C to M channels whose weights, seen as the
// C x (M k k) matrix A[c, (m, i, j)] = W[m, c, i, j], are close to rank R is
// close to a 1x1 convolution reducing C to R channels (U_R^T) followed by a
// k x k convolution from R to M channels (U_R^T A): the Inception bottleneck,
// derived from trained weights. U_R holds the R leading eigenvectors of
// A A^T. Zero padding commutes with the bias-free reduce, and the epilogue
// stays on the k x k convolution, so only the rank truncation changes the
// result. Each layer's relative error is measured on a seeded Gaussian
// calibration input before it is accepted, and reported.
//
//===----------------------------------------------------------------------===//
#include "LayerRewrite.h"
#include "cvc/passes/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <random>

namespace cvc {
#define GEN_PASS_DEF_CVLOWRANKBOTTLENECK
#include "cvc/passes/Passes.h.inc"
} // namespace cvc

using namespace mlir;
using namespace cvc;

namespace {

/// Eigen-decomposition of the symmetric n x n matrix `a` (row-major, both
/// halves filled) by cyclic Jacobi rotations: eigenvalues descending, with
/// the matching eigenvectors as the columns of `vectors`.
void symmetricEigen(std::vector<double> a, int64_t n, std::vector<double> &values,
                    std::vector<double> &vectors) {
  std::vector<double> v(n * n, 0.0);
  for (int64_t i = 0; i < n; ++i)
    v[i * n + i] = 1.0;
  for (int sweep = 0; sweep < 60; ++sweep) {
    double off = 0.0, diag = 0.0;
    for (int64_t p = 0; p < n; ++p) {
      diag += a[p * n + p] * a[p * n + p];
      for (int64_t q = p + 1; q < n; ++q)
        off += a[p * n + q] * a[p * n + q];
    }
    if (off <= 1e-22 * diag)
      break;
    for (int64_t p = 0; p < n; ++p)
      for (int64_t q = p + 1; q < n; ++q) {
        double apq = a[p * n + q];
        if (std::abs(apq) < 1e-300)
          continue;
        double theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
        double t = (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1.0));
        double c = 1.0 / std::sqrt(t * t + 1.0), s = t * c;
        for (int64_t k = 0; k < n; ++k) {
          double akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (int64_t k = 0; k < n; ++k) {
          double apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (int64_t k = 0; k < n; ++k) {
          double vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  std::vector<int64_t> order(n);
  for (int64_t i = 0; i < n; ++i)
    order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](int64_t x, int64_t y) { return a[x * n + x] > a[y * n + y]; });
  values.resize(n);
  vectors.assign(n * n, 0.0);
  for (int64_t j = 0; j < n; ++j) {
    values[j] = std::max(0.0, a[order[j] * n + order[j]]);
    for (int64_t i = 0; i < n; ++i)
      vectors[i * n + j] = v[i * n + order[j]];
  }
}

struct Conv {
  int64_t m, c, kh, kw, h, w, oh, ow;
  ArrayRef<int64_t> strides, pads, dilations;
};

/// Relative L2 error between the layer with weights `exact` and `approx`
/// (no bias: it cancels) at `samples` random output positions of a seeded
/// standard-normal input.
double calibrationError(const Conv &s, ArrayRef<float> exact, ArrayRef<double> approx,
                        uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> x(s.c * s.h * s.w);
  for (float &v : x)
    v = normal(rng);
  std::uniform_int_distribution<int64_t> pickY(0, s.oh - 1), pickX(0, s.ow - 1);
  double diff = 0.0, norm = 0.0;
  for (int sample = 0; sample < 64; ++sample) {
    int64_t oy = pickY(rng), ox = pickX(rng);
    for (int64_t m = 0; m < s.m; ++m) {
      double y = 0.0, ya = 0.0;
      for (int64_t c = 0; c < s.c; ++c)
        for (int64_t i = 0; i < s.kh; ++i)
          for (int64_t j = 0; j < s.kw; ++j) {
            int64_t iy = oy * s.strides[0] - s.pads[0] + i * s.dilations[0];
            int64_t ix = ox * s.strides[1] - s.pads[1] + j * s.dilations[1];
            if (iy < 0 || iy >= s.h || ix < 0 || ix >= s.w)
              continue;
            double xv = x[(c * s.h + iy) * s.w + ix];
            int64_t k = ((m * s.c + c) * s.kh + i) * s.kw + j;
            y += exact[k] * xv;
            ya += approx[k] * xv;
          }
      diff += (ya - y) * (ya - y);
      norm += y * y;
    }
  }
  return norm > 0 ? std::sqrt(diff / norm) : 0.0;
}

struct CvLowRankBottleneckPass
    : public cvc::impl::CvLowRankBottleneckBase<CvLowRankBottleneckPass> {
  using CvLowRankBottleneckBase::CvLowRankBottleneckBase;

  void runOnOperation() override {
    if ((rank > 0) == (energy > 0.0)) {
      getOperation().emitError("cv-low-rank-bottleneck needs exactly one of rank=R or energy=E");
      return signalPassFailure();
    }
    if (energy > 1.0) {
      getOperation().emitError("cv-low-rank-bottleneck: energy must be in (0, 1]");
      return signalPassFailure();
    }
    SmallVector<cv::Conv2DOp> convs;
    getOperation().walk([&](cv::Conv2DOp conv) { convs.push_back(conv); });
    for (cv::Conv2DOp conv : convs)
      factorise(conv);
  }

  void factorise(cv::Conv2DOp conv) {
    auto wType = llvm::cast<RankedTensorType>(conv.getWeight().getType());
    auto inType = llvm::cast<RankedTensorType>(conv.getInput().getType());
    auto outType = llvm::cast<RankedTensorType>(conv.getType());
    Conv s{wType.getDimSize(0), wType.getDimSize(1), wType.getDimSize(2), wType.getDimSize(3),
           inType.getDimSize(2), inType.getDimSize(3), outType.getDimSize(2),
           outType.getDimSize(3), conv.getStrides(), conv.getPads(), conv.getDilations()};
    if (conv.getGroups() != 1 || s.kh * s.kw == 1)
      return;
    auto weights = cv::readFloatConstant(conv.getWeight());
    if (!weights)
      return;
    int64_t taps = s.kh * s.kw;
    // G = A A^T with A[c, (m, t)] = W[m, c, t].
    std::vector<double> gram(s.c * s.c, 0.0);
    for (int64_t m = 0; m < s.m; ++m)
      for (int64_t t = 0; t < taps; ++t)
        for (int64_t c1 = 0; c1 < s.c; ++c1) {
          double a1 = (*weights)[(m * s.c + c1) * taps + t];
          for (int64_t c2 = c1; c2 < s.c; ++c2)
            gram[c1 * s.c + c2] += a1 * (*weights)[(m * s.c + c2) * taps + t];
        }
    for (int64_t c1 = 0; c1 < s.c; ++c1)
      for (int64_t c2 = 0; c2 < c1; ++c2)
        gram[c1 * s.c + c2] = gram[c2 * s.c + c1];
    std::vector<double> values, vectors;
    symmetricEigen(gram, s.c, values, vectors);

    int64_t r = rank;
    if (energy > 0.0) {
      double total = 0.0, kept = 0.0;
      for (double v : values)
        total += v;
      for (r = 0; r < s.c && kept < energy * total; ++r)
        kept += values[r];
    }
    r = std::clamp<int64_t>(r, 1, s.c);
    uint64_t before = static_cast<uint64_t>(s.m) * s.c * taps * s.oh * s.ow;
    uint64_t after = static_cast<uint64_t>(r) * s.c * s.h * s.w +
                     static_cast<uint64_t>(s.m) * r * taps * s.oh * s.ow;
    std::string layer = constantName(conv.getWeight(), "conv");
    if (auto name = llvm::dyn_cast<NameLoc>(conv.getLoc()); name && !name.getName().empty())
      layer = name.getName().str();
    if (after >= before) {
      conv.emitRemark(llvm::formatv("bottleneck: {0} kept: rank {1} of {2} saves no "
                                    "multiply-accumulates",
                                    layer, r, s.c));
      return;
    }
    // reduce[r, c] = U[c, r]; expand[m, r, t] = sum_c U[c, r] W[m, c, t].
    std::vector<float> reduce(r * s.c), expand(s.m * r * taps);
    for (int64_t k = 0; k < r; ++k)
      for (int64_t c = 0; c < s.c; ++c)
        reduce[k * s.c + c] = static_cast<float>(vectors[c * s.c + k]);
    std::vector<double> approx(s.m * s.c * taps, 0.0);
    for (int64_t m = 0; m < s.m; ++m)
      for (int64_t t = 0; t < taps; ++t)
        for (int64_t k = 0; k < r; ++k) {
          double e = 0.0;
          for (int64_t c = 0; c < s.c; ++c)
            e += vectors[c * s.c + k] * (*weights)[(m * s.c + c) * taps + t];
          expand[(m * r + k) * taps + t] = static_cast<float>(e);
          for (int64_t c = 0; c < s.c; ++c)
            approx[(m * s.c + c) * taps + t] += vectors[c * s.c + k] * e;
        }
    double error = calibrationError(s, *weights, approx, seed);
    std::string figures = llvm::formatv(
        "rank {0} of {1}, {2} -> {3} MACs per image ({4:P0} saved), relative error {5:F4}", r, s.c,
        before, after, 1.0 - static_cast<double>(after) / before, error);
    if (error > maxError) {
      conv.emitRemark("bottleneck: " + layer + " refused: " + figures + " exceeds the bound " +
                      llvm::formatv("{0}", static_cast<double>(maxError)).str());
      return;
    }
    conv.emitRemark("bottleneck: " + layer + " factorised: " + figures);

    PatternRewriter rewriter(conv.getContext());
    rewriter.setInsertionPoint(conv);
    Location loc = conv.getLoc();
    Value reduceWeight =
        cv::createFloatConstant(rewriter, loc, {r, s.c, 1, 1}, reduce, layer + ".reduce");
    Value expandWeight = cv::createFloatConstant(rewriter, loc, {s.m, r, s.kh, s.kw}, expand,
                                                 layer + ".expand");
    auto reducedType = RankedTensorType::get({inType.getDimSize(0), r, s.h, s.w},
                                             inType.getElementType());
    auto reduced = rewriter.create<cv::Conv2DOp>(
        loc, reducedType, conv.getInput(), reduceWeight, Value(), Value(),
        cv::ActivationAttr::get(conv.getContext(), cv::Activation::none),
        rewriter.getDenseF32ArrayAttr({}), rewriter.getDenseI64ArrayAttr({1, 1}),
        rewriter.getDenseI64ArrayAttr({0, 0, 0, 0}), rewriter.getDenseI64ArrayAttr({1, 1}),
        rewriter.getI64IntegerAttr(1));
    auto expanded = rewriter.create<cv::Conv2DOp>(
        loc, conv.getType(), reduced.getOutput(), expandWeight, conv.getBias(),
        conv.getResidual(), conv.getActivationAttr(), conv.getActivationArgsAttr(),
        conv.getStridesAttr(), conv.getPadsAttr(), conv.getDilationsAttr(), conv.getGroupsAttr());
    rewriter.replaceOp(conv, expanded.getOutput());
  }
};

} // namespace

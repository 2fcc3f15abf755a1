//===- Search.cpp - the cvc, random and autoscheduler strategies ---------===//
#include "cvc/tune/Search.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace cvc::tune {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

int algorithmIndex(const halide::ScheduleSpace &space, const std::string &name) {
  for (size_t i = 0; i < space.algorithms.size(); ++i)
    if (space.algorithms[i].name == name)
      return static_cast<int>(i);
  return -1;
}

/// Position of `value` in [0, 1] along `param`'s values, on a log scale
/// when they are all positive (tiles and widths grow geometrically).
double normalised(const halide::ScheduleParam &param, int64_t value) {
  if (param.values.size() < 2)
    return 0;
  double lo = param.values.front(), hi = param.values.back();
  bool positive = lo > 0;
  auto f = [&](double v) { return positive ? std::log(v) : v; };
  double span = f(hi) - f(lo);
  return span > 0 ? (f(static_cast<double>(value)) - f(lo)) / span : 0;
}

/// Solves (A + lambda I) w = b in place (Gaussian elimination, partial pivoting).
std::vector<double> solveRidge(std::vector<std::vector<double>> a, std::vector<double> b,
                               double lambda) {
  size_t n = b.size();
  for (size_t i = 0; i < n; ++i)
    a[i][i] += lambda;
  for (size_t col = 0; col < n; ++col) {
    size_t pivot = col;
    for (size_t r = col + 1; r < n; ++r)
      if (std::fabs(a[r][col]) > std::fabs(a[pivot][col]))
        pivot = r;
    std::swap(a[col], a[pivot]);
    std::swap(b[col], b[pivot]);
    if (std::fabs(a[col][col]) < 1e-12)
      return {};
    for (size_t r = col + 1; r < n; ++r) {
      double factor = a[r][col] / a[col][col];
      for (size_t c = col; c < n; ++c)
        a[r][c] -= factor * a[col][c];
      b[r] -= factor * b[col];
    }
  }
  std::vector<double> w(n);
  for (size_t i = n; i-- > 0;) {
    double sum = b[i];
    for (size_t c = i + 1; c < n; ++c)
      sum -= a[i][c] * w[c];
    w[i] = sum / a[i][i];
  }
  return w;
}

/// 1, x_i, x_i^2 and x_i x_j.
std::vector<double> quadratic(const std::vector<double> &x) {
  std::vector<double> q{1.0};
  for (double v : x)
    q.push_back(v);
  for (double v : x)
    q.push_back(v * v);
  for (size_t i = 0; i < x.size(); ++i)
    for (size_t j = i + 1; j < x.size(); ++j)
      q.push_back(x[i] * x[j]);
  return q;
}

class PointSampler {
public:
  PointSampler(const halide::ScheduleSpace &space, uint64_t seed) : space(space), rng(seed) {}

  halide::SchedulePoint random() {
    const halide::ScheduleAlgorithm &a = space.algorithms[pick(space.algorithms.size())];
    halide::SchedulePoint p(a.name);
    for (const halide::ScheduleParam &param : a.params)
      p.set(param.name, param.values[pick(param.values.size())]);
    return p;
  }

  /// One parameter moved one or two steps along its values, or
  /// `randomParams` parameters set at random.
  std::optional<halide::SchedulePoint> mutate(const halide::SchedulePoint &parent,
                                              int randomParams) {
    int ai = algorithmIndex(space, parent.algorithm());
    if (ai < 0 || space.algorithms[ai].params.empty())
      return std::nullopt;
    const halide::ScheduleAlgorithm &a = space.algorithms[ai];
    halide::SchedulePoint p = parent;
    if (randomParams == 0) {
      const halide::ScheduleParam &param = a.params[pick(a.params.size())];
      auto it = std::find(param.values.begin(), param.values.end(), p.get(param.name));
      int64_t index = it == param.values.end() ? 0 : it - param.values.begin();
      int64_t step = (pick(2) ? 1 : 2) * (pick(2) ? 1 : -1);
      int64_t next = std::clamp<int64_t>(index + step, 0,
                                         static_cast<int64_t>(param.values.size()) - 1);
      if (next == index)
        return std::nullopt;
      p.set(param.name, param.values[next]);
      return p;
    }
    for (int i = 0; i < randomParams; ++i) {
      const halide::ScheduleParam &param = a.params[pick(a.params.size())];
      p.set(param.name, param.values[pick(param.values.size())]);
    }
    return p;
  }

  /// Each parameter from one parent or the other (same algorithm).
  halide::SchedulePoint cross(const halide::SchedulePoint &x, const halide::SchedulePoint &y) {
    halide::SchedulePoint p(x.algorithm());
    for (const auto &[name, value] : x.values())
      p.set(name, pick(2) && y.has(name) ? y.get(name) : value);
    return p;
  }

  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); }
  double uniform() { return std::uniform_real_distribution<double>(0, 1)(rng); }
  std::mt19937_64 &engine() { return rng; }

private:
  const halide::ScheduleSpace &space;
  std::mt19937_64 rng;
};

/// What every strategy shares: which points were tried, and proposing a
/// point at most once.
class StrategyBase : public Strategy {
protected:
  StrategyBase(const halide::ScheduleSpace &space, std::vector<halide::SchedulePoint> seeds,
               uint64_t seed)
      : space(space), seeds(std::move(seeds)), sampler(space, seed) {}

  void noteHistory(const std::vector<Trial> &history) {
    for (const Trial &t : history)
      tried.insert(space.format(t.point));
  }
  /// Adds `p` to `out` when legal and new; true if added.
  bool offer(const halide::SchedulePoint &p, std::vector<halide::SchedulePoint> &out) {
    std::string text = space.format(p);
    if (tried.count(text) || !space.check(p).empty())
      return false;
    tried.insert(text);
    out.push_back(p);
    return true;
  }
  /// Untried seeds first.
  void takeSeeds(std::vector<halide::SchedulePoint> &out, int count) {
    while (!seeds.empty() && static_cast<int>(out.size()) < count) {
      offer(seeds.front(), out);
      seeds.erase(seeds.begin());
    }
  }
  /// When sampling finds nothing new: the untried legal points in a random
  /// order (small spaces run out this way).
  void exhaust(std::vector<halide::SchedulePoint> &out, int count) {
    std::vector<halide::SchedulePoint> all = space.enumerate(200000);
    std::shuffle(all.begin(), all.end(), sampler.engine());
    for (const halide::SchedulePoint &p : all) {
      if (static_cast<int>(out.size()) >= count)
        return;
      offer(p, out);
    }
  }

  const halide::ScheduleSpace &space;
  std::vector<halide::SchedulePoint> seeds;
  PointSampler sampler;
  std::set<std::string> tried;
};

class RandomStrategy : public StrategyBase {
public:
  RandomStrategy(const halide::ScheduleSpace &space, std::vector<halide::SchedulePoint> seeds,
                 uint64_t seed)
      : StrategyBase(space, std::move(seeds), seed) {}
  std::vector<halide::SchedulePoint> propose(const std::vector<Trial> &history,
                                             int count) override {
    noteHistory(history);
    std::vector<halide::SchedulePoint> out;
    takeSeeds(out, count);
    for (int attempt = 0; attempt < 2000 && static_cast<int>(out.size()) < count; ++attempt)
      offer(sampler.random(), out);
    if (static_cast<int>(out.size()) < count)
      exhaust(out, count);
    return out;
  }
};

class EvolutionaryStrategy : public StrategyBase {
public:
  EvolutionaryStrategy(const halide::ScheduleSpace &space,
                       std::vector<halide::SchedulePoint> seeds, uint64_t seed)
      : StrategyBase(space, std::move(seeds), seed), model(space) {}

  std::vector<halide::SchedulePoint> propose(const std::vector<Trial> &history,
                                             int count) override {
    noteHistory(history);
    std::vector<halide::SchedulePoint> out;
    takeSeeds(out, count);
    if (static_cast<int>(out.size()) >= count)
      return out;

    std::vector<const Trial *> good;
    for (const Trial &t : history)
      if (t.ms)
        good.push_back(&t);
    std::sort(good.begin(), good.end(), [](const Trial *a, const Trial *b) { return *a->ms < *b->ms; });
    if (good.size() > kParents)
      good.resize(kParents);
    model.fit(history);

    // Offspring, scored by the model; `offer` is applied only to the chosen.
    std::vector<halide::SchedulePoint> offspring;
    std::set<std::string> seen;
    auto consider = [&](const std::optional<halide::SchedulePoint> &p) {
      if (!p)
        return;
      std::string text = space.format(*p);
      if (tried.count(text) || seen.count(text) || !space.check(*p).empty())
        return;
      seen.insert(text);
      offspring.push_back(*p);
    };
    auto parent = [&]() -> const halide::SchedulePoint & {
      // Binary tournament: the better of two, so the best breed most.
      size_t a = sampler.pick(good.size()), b = sampler.pick(good.size());
      return good[std::min(a, b)]->point;
    };
    for (int attempt = 0; attempt < 4000 && offspring.size() < kOffspring; ++attempt) {
      double r = sampler.uniform();
      if (good.empty() || r >= 0.85) {
        consider(sampler.random());
      } else if (r < 0.45) {
        consider(sampler.mutate(parent(), 0));
      } else if (r < 0.65) {
        consider(sampler.mutate(parent(), 2));
      } else {
        const halide::SchedulePoint &x = parent(), &y = parent();
        if (x.algorithm() == y.algorithm())
          consider(sampler.cross(x, y));
      }
    }
    std::vector<std::pair<double, size_t>> scored;
    for (size_t i = 0; i < offspring.size(); ++i) {
      auto [logMs, distance] = model.predict(offspring[i]);
      scored.emplace_back(logMs - kExploration * std::min(distance, 1.0), i);
    }
    std::sort(scored.begin(), scored.end());
    for (const auto &[score, i] : scored) {
      if (static_cast<int>(out.size()) >= count)
        break;
      offer(offspring[i], out);
    }
    if (static_cast<int>(out.size()) < count)
      exhaust(out, count);
    return out;
  }

private:
  static constexpr size_t kParents = 8, kOffspring = 256;
  /// log(ms) a candidate may trail the best prediction by when it is as far
  /// as can be from every measured point.
  static constexpr double kExploration = 0.15;
  CostModel model;
};

/// The autoschedule algorithm's points for one autoscheduler.
class AutoschedulerStrategy : public StrategyBase {
public:
  AutoschedulerStrategy(const halide::ScheduleSpace &space, int64_t scheduler, uint64_t seed)
      : StrategyBase(space, {}, seed), scheduler(scheduler) {}

  std::vector<halide::SchedulePoint> propose(const std::vector<Trial> &history,
                                             int count) override {
    noteHistory(history);
    std::vector<halide::SchedulePoint> out;
    const halide::ScheduleAlgorithm *a = space.find("autoschedule");
    for (const halide::ScheduleParam &p : a->params)
      if (p.name == "balance")
        for (int64_t b : p.values) {
          if (static_cast<int>(out.size()) >= count)
            break;
          offer(halide::SchedulePoint("autoschedule").set("scheduler", scheduler).set("balance", b),
                out);
        }
    return out;
  }

private:
  int64_t scheduler;
};

} // namespace

void CostModel::fit(const std::vector<Trial> &trials) {
  fits.assign(space.algorithms.size(), {});
  double sum = 0;
  int count = 0;
  for (const Trial &t : trials) {
    if (!t.ms || *t.ms <= 0)
      continue;
    int ai = algorithmIndex(space, t.point.algorithm());
    if (ai < 0)
      continue;
    double y = std::log(*t.ms);
    fits[ai].x.push_back(features(t.point));
    fits[ai].y.push_back(y);
    sum += y;
    ++count;
  }
  fallback = count ? sum / count : 0;
  for (AlgorithmFit &f : fits) {
    if (f.x.empty())
      continue;
    size_t dims = quadratic(f.x[0]).size();
    // Enough trials to pin the quadratic down, with room to spare.
    if (f.x.size() < dims + dims / 2)
      continue;
    std::vector<std::vector<double>> ata(dims, std::vector<double>(dims, 0));
    std::vector<double> atb(dims, 0);
    for (size_t i = 0; i < f.x.size(); ++i) {
      std::vector<double> q = quadratic(f.x[i]);
      for (size_t r = 0; r < dims; ++r) {
        atb[r] += q[r] * f.y[i];
        for (size_t c = 0; c < dims; ++c)
          ata[r][c] += q[r] * q[c];
      }
    }
    f.weights = solveRidge(std::move(ata), std::move(atb), 1e-2);
  }
}

std::vector<double> CostModel::features(const halide::SchedulePoint &point) const {
  std::vector<double> x;
  if (const halide::ScheduleAlgorithm *a = space.find(point.algorithm()))
    for (const halide::ScheduleParam &p : a->params)
      x.push_back(point.has(p.name) ? normalised(p, point.get(p.name)) : 0);
  return x;
}

std::pair<double, double> CostModel::predict(const halide::SchedulePoint &point) const {
  int ai = algorithmIndex(space, point.algorithm());
  if (ai < 0 || static_cast<size_t>(ai) >= fits.size() || fits[ai].x.empty())
    return {fallback, kInfinity};
  const AlgorithmFit &f = fits[ai];
  std::vector<double> x = features(point);
  // Nearest neighbours, weighted by inverse squared distance.
  std::vector<std::pair<double, double>> near; // (squared distance, log ms)
  for (size_t i = 0; i < f.x.size(); ++i) {
    double d = 0;
    for (size_t j = 0; j < x.size(); ++j)
      d += (x[j] - f.x[i][j]) * (x[j] - f.x[i][j]);
    near.emplace_back(d, f.y[i]);
  }
  std::sort(near.begin(), near.end());
  size_t k = std::min<size_t>(3, near.size());
  double wsum = 0, ysum = 0;
  for (size_t i = 0; i < k; ++i) {
    double w = 1.0 / (near[i].first + 1e-4);
    wsum += w;
    ysum += w * near[i].second;
  }
  double prediction = ysum / wsum;
  if (!f.weights.empty()) {
    std::vector<double> q = quadratic(x);
    double quad = 0;
    for (size_t i = 0; i < q.size(); ++i)
      quad += f.weights[i] * q[i];
    if (std::isfinite(quad))
      prediction = 0.5 * prediction + 0.5 * quad;
  }
  return {prediction, std::sqrt(near[0].first)};
}

const std::vector<std::string> &strategyNames() {
  static const std::vector<std::string> names = {"cvc", "random", "mullapudi2016", "adams2019",
                                                 "li2018"};
  return names;
}

bool isAutoscheduler(const std::string &strategy) {
  return strategy == "mullapudi2016" || strategy == "adams2019" || strategy == "li2018";
}

std::unique_ptr<Strategy> makeStrategy(const std::string &name, const halide::ScheduleSpace &space,
                                       std::vector<halide::SchedulePoint> seeds, uint64_t seed) {
  if (name == "cvc")
    return std::make_unique<EvolutionaryStrategy>(space, std::move(seeds), seed);
  if (name == "random")
    return std::make_unique<RandomStrategy>(space, std::move(seeds), seed);
  if (isAutoscheduler(name)) {
    const halide::ScheduleAlgorithm *a = space.find("autoschedule");
    if (!a)
      return nullptr;
    for (const halide::ScheduleParam &p : a->params)
      if (p.name == "scheduler")
        if (std::optional<int64_t> v = p.parse(name))
          return std::make_unique<AutoschedulerStrategy>(space, *v, seed);
    return nullptr;
  }
  return nullptr;
}

std::optional<halide::SchedulePoint> projectPoint(const halide::ScheduleSpace &space,
                                                  const halide::SchedulePoint &point) {
  const halide::ScheduleAlgorithm *a = space.find(point.algorithm());
  if (!a)
    return std::nullopt;
  halide::SchedulePoint p(a->name);
  for (const halide::ScheduleParam &param : a->params) {
    if (param.values.empty())
      return std::nullopt;
    int64_t want = point.has(param.name) ? point.get(param.name)
                   : space.defaultPoint.algorithm() == a->name &&
                           space.defaultPoint.has(param.name)
                       ? space.defaultPoint.get(param.name)
                       : param.values.front();
    int64_t best = param.values.front();
    for (int64_t v : param.values)
      if (std::llabs(v - want) < std::llabs(best - want))
        best = v;
    p.set(param.name, best);
  }
  if (!space.check(p).empty())
    return std::nullopt;
  return p;
}

} // namespace cvc::tune

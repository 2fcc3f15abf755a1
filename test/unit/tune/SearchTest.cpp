//===- SearchTest.cpp - the search strategies on a synthetic space ------===//
//
// The strategies only see measured times, so a synthetic kernel (a cost
// function of the point) tests them without compiling anything: every
// proposal is legal and new, warm-start seeds go first, and at equal
// numbers of trials the cvc strategy (evolution + cost model) ends nearer
// the optimum than random sampling on average over many seeds.
//
//===----------------------------------------------------------------------===//
#include "cvc/tune/Search.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

using namespace cvc;
using namespace cvc::tune;

namespace {

halide::ScheduleSpace syntheticSpace() {
  halide::ScheduleSpace space;
  halide::ScheduleAlgorithm &tiled = space.addAlgorithm("tiled");
  tiled.add("columns", halide::rangeUpTo(16));
  tiled.add("rows", halide::powersOfTwoUpTo(32));
  tiled.add("channels", halide::rangeUpTo(8));
  tiled.add("order", {0, 1}, {"rows_first", "channels_first"});
  tiled.constraint = [](const halide::SchedulePoint &p) -> std::string {
    return p.get("columns") * p.get("channels") > 64 ? "too many accumulators" : "";
  };
  halide::ScheduleAlgorithm &simple = space.addAlgorithm("simple");
  simple.add("vector", {4, 8, 16});
  space.defaultPoint = halide::SchedulePoint("tiled")
                           .set("columns", 8)
                           .set("rows", 1)
                           .set("channels", 2)
                           .set("order", 0);
  return space;
}

/// A smooth valley with an interaction and a little ruggedness; its
/// minimum (1.0) is at columns 7, rows 8, channels 3, channels_first.
double cost(const halide::SchedulePoint &p) {
  if (p.algorithm() == "simple")
    return 2.5 + 0.1 * std::log2(p.get("vector"));
  double c = std::log2(p.get("columns")) - std::log2(7.0);
  double r = std::log2(p.get("rows")) - 3;
  double k = (p.get("channels") - 3) / 2.0;
  double rugged = 0.03 * ((p.get("columns") * 7 + p.get("channels") * 3) % 5);
  return 1.0 + c * c + 0.5 * r * r + k * k + 0.3 * c * k + 0.4 * (p.get("order") == 0) +
         (p.get("columns") == 7 && p.get("rows") == 8 && p.get("channels") == 3 ? 0 : rugged);
}

/// Best cost found in `trials` measurements, two per proposal, starting
/// from the default.
double bestAfter(const std::string &strategy, int trials, uint64_t seed,
                 const halide::ScheduleSpace &space) {
  std::unique_ptr<Strategy> s = makeStrategy(strategy, space, {}, seed);
  std::vector<Trial> history{{space.defaultPoint, cost(space.defaultPoint)}};
  double best = *history[0].ms;
  while (static_cast<int>(history.size()) <= trials) {
    std::vector<halide::SchedulePoint> points = s->propose(history, 2);
    if (points.empty())
      break;
    for (const halide::SchedulePoint &p : points) {
      history.push_back({p, cost(p)});
      best = std::min(best, *history.back().ms);
    }
  }
  return best;
}

TEST(Search, ProposalsAreLegalNewAndSeedsComeFirst) {
  halide::ScheduleSpace space = syntheticSpace();
  halide::SchedulePoint seed = halide::SchedulePoint("tiled")
                                   .set("columns", 5)
                                   .set("rows", 4)
                                   .set("channels", 3)
                                   .set("order", 1);
  for (const char *name : {"cvc", "random"}) {
    std::unique_ptr<Strategy> s = makeStrategy(name, space, {seed}, 7);
    ASSERT_TRUE(s) << name;
    std::vector<Trial> history{{space.defaultPoint, 3.0}};
    std::set<std::string> seen{space.format(space.defaultPoint)};
    for (int round = 0; round < 60; ++round) {
      std::vector<halide::SchedulePoint> points = s->propose(history, 3);
      if (round == 0) {
        ASSERT_FALSE(points.empty());
        EXPECT_EQ(points[0], seed) << name;
      }
      for (const halide::SchedulePoint &p : points) {
        EXPECT_EQ(space.check(p), "") << name << " proposed " << space.format(p);
        EXPECT_TRUE(seen.insert(space.format(p)).second)
            << name << " proposed " << space.format(p) << " twice";
        // Failed trials count as tried too.
        history.push_back({p, round % 5 ? std::optional<double>(cost(p)) : std::nullopt});
      }
    }
  }
}

TEST(Search, ASmallSpaceRunsOutInsteadOfRepeating) {
  halide::ScheduleSpace space;
  space.addAlgorithm("only").add("vector", {4, 8, 16});
  space.defaultPoint = halide::SchedulePoint("only").set("vector", 16);
  for (const char *name : {"cvc", "random"}) {
    std::unique_ptr<Strategy> s = makeStrategy(name, space, {}, 1);
    std::vector<Trial> history{{space.defaultPoint, 1.0}};
    std::vector<halide::SchedulePoint> points = s->propose(history, 5);
    EXPECT_EQ(points.size(), 2u) << name;
    for (const halide::SchedulePoint &p : points)
      history.push_back({p, 2.0});
    EXPECT_TRUE(s->propose(history, 5).empty()) << name;
  }
}

TEST(Search, TheCvcStrategyBeatsRandomSamplingAtEqualTrials) {
  halide::ScheduleSpace space = syntheticSpace();
  double evolved = 0, random = 0;
  int evolvedHits = 0, randomHits = 0;
  constexpr int kSeeds = 30, kTrials = 40;
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    double e = bestAfter("cvc", kTrials, seed, space), r = bestAfter("random", kTrials, seed, space);
    evolved += e;
    random += r;
    evolvedHits += e < 1.05;
    randomHits += r < 1.05;
  }
  std::printf("mean best after %d trials: cvc %.3f (%d/%d within 5%% of the optimum), "
              "random %.3f (%d/%d)\n",
              kTrials, evolved / kSeeds, evolvedHits, kSeeds, random / kSeeds, randomHits, kSeeds);
  EXPECT_LT(evolved, random);
  EXPECT_GT(evolvedHits, randomHits);
}

TEST(Search, TheCostModelRanksByWhatItMeasured) {
  halide::ScheduleSpace space = syntheticSpace();
  CostModel model(space);
  std::vector<Trial> trials;
  std::unique_ptr<Strategy> random = makeStrategy("random", space, {}, 3);
  while (trials.size() < 80)
    for (const halide::SchedulePoint &p : random->propose(trials, 4))
      trials.push_back({p, cost(p)});
  model.fit(trials);
  halide::SchedulePoint best = halide::SchedulePoint("tiled")
                                   .set("columns", 7)
                                   .set("rows", 8)
                                   .set("channels", 3)
                                   .set("order", 1);
  halide::SchedulePoint poor = halide::SchedulePoint("tiled")
                                   .set("columns", 1)
                                   .set("rows", 1)
                                   .set("channels", 8)
                                   .set("order", 0);
  EXPECT_LT(model.predict(best).first, model.predict(poor).first);
}

TEST(Search, ProjectionMovesAnotherKernelsPointOntoThisSpace) {
  halide::ScheduleSpace space = syntheticSpace();
  halide::SchedulePoint foreign = halide::SchedulePoint("tiled")
                                      .set("columns", 20)
                                      .set("rows", 3)
                                      .set("channels", 2)
                                      .set("order", 1);
  std::optional<halide::SchedulePoint> p = projectPoint(space, foreign);
  ASSERT_TRUE(p);
  EXPECT_EQ(space.format(*p), "tiled columns=16 rows=2 channels=2 order=channels_first");
  EXPECT_FALSE(projectPoint(space, halide::SchedulePoint("winograd")));
}

TEST(Search, AnAutoschedulerNeedsTheAutoscheduleAlgorithm) {
  halide::ScheduleSpace space = syntheticSpace();
  EXPECT_EQ(makeStrategy("adams2019", space, {}, 1), nullptr);
  halide::ScheduleAlgorithm &a = space.addAlgorithm("autoschedule");
  a.add("scheduler", {0, 1, 2}, {"mullapudi2016", "adams2019", "li2018"});
  a.add("balance", {10, 40, 160});
  std::unique_ptr<Strategy> s = makeStrategy("adams2019", space, {}, 1);
  ASSERT_TRUE(s);
  std::vector<halide::SchedulePoint> points = s->propose({}, 10);
  EXPECT_EQ(points.size(), 3u);
  for (const halide::SchedulePoint &p : points)
    EXPECT_EQ(p.get("scheduler"), 1);
  EXPECT_EQ(makeStrategy("nonsense", space, {}, 1), nullptr);
}

} // namespace

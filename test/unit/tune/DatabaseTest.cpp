//===- DatabaseTest.cpp - the tuning database's file format -------------===//
#include "cvc/tune/Database.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

using namespace cvc::tune;

namespace {

class DatabaseTest : public ::testing::Test {
protected:
  void SetUp() override {
    char dir[] = "/tmp/cvc-db-test-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    folder = dir;
    path = folder + "/tuning.db";
  }
  void TearDown() override {
    std::remove(path.c_str());
    rmdir(folder.c_str());
  }
  TuningDatabase open() {
    std::string error;
    std::optional<TuningDatabase> db = TuningDatabase::open(path, error);
    EXPECT_TRUE(db) << error;
    return db ? *db : TuningDatabase();
  }
  void writeRaw(const std::string &text, bool append = true) {
    std::ofstream f(path, append ? std::ios::app : std::ios::trunc);
    f << text;
  }
  std::string folder, path;
};

TuningKey key(const std::string &signature, int threads = 2, int batch = 1) {
  return {"x86-64-linux-avx512", threads, batch, signature};
}

const char *kConv =
    "cv.conv2d_blocked {pads = array<i64: 1, 1, 1, 1>} {} (tensor<?x4x56x56x16xf32>, "
    "tensor<4x64x3x3x16xf32>) -> (tensor<?x4x56x56x16xf32>)";

TEST_F(DatabaseTest, RecordsRoundTripWithEscapedFields) {
  TuningDatabase db = open();
  EXPECT_TRUE(db.tuned().empty());
  TunedRecord tuned;
  tuned.key = key(std::string(kConv) + "\twith a tab\nand a newline \\ and a backslash");
  tuned.point = "blocked columns=7 block_tile=2";
  tuned.defaultMs = 1.25;
  tuned.tunedMs = 0.875;
  tuned.spread = 0.02;
  tuned.strategy = "cvc";
  tuned.trials = 41;
  TrialRecord ok{key(kConv), "blocked columns=8 block_tile=1", 1.5, "ok", "random"};
  TrialRecord wrong{key(kConv), "blocked columns=3 block_tile=1", std::nullopt, "wrong", "cvc"};
  std::string error;
  ASSERT_TRUE(db.append(tuned, error)) << error;
  ASSERT_TRUE(db.append(ok, error)) << error;
  ASSERT_TRUE(db.append(wrong, error)) << error;

  TuningDatabase again = open();
  EXPECT_TRUE(again.warnings().empty());
  ASSERT_EQ(again.tuned().size(), 1u);
  const TunedRecord &r = again.tuned()[0];
  EXPECT_EQ(r.key, tuned.key);
  EXPECT_EQ(r.point, tuned.point);
  EXPECT_DOUBLE_EQ(r.defaultMs, 1.25);
  EXPECT_DOUBLE_EQ(r.tunedMs, 0.875);
  EXPECT_DOUBLE_EQ(r.spread, 0.02);
  EXPECT_EQ(r.strategy, "cvc");
  EXPECT_EQ(r.trials, 41);
  EXPECT_FALSE(r.date.empty());
  ASSERT_EQ(again.trials().size(), 2u);
  EXPECT_EQ(again.trials()[0].point, ok.point);
  ASSERT_TRUE(again.trials()[0].ms);
  EXPECT_DOUBLE_EQ(*again.trials()[0].ms, 1.5);
  EXPECT_EQ(again.trials()[1].status, "wrong");
  EXPECT_FALSE(again.trials()[1].ms);
  EXPECT_EQ(again.trialsOf(key(kConv)).size(), 2u);
  EXPECT_EQ(again.findTuned(tuned.key)->point, tuned.point);
  EXPECT_EQ(again.findTuned(key(kConv)), nullptr);

  // One record per line, the header's comments first.
  std::ifstream file(path);
  std::string line;
  int records = 0;
  while (std::getline(file, line))
    records += !line.empty() && line[0] != '#';
  EXPECT_EQ(records, 3);
}

TEST_F(DatabaseTest, AKilledWritersPartialLineIsSkippedAndTheNextAppendIsWhole) {
  TuningDatabase db = open();
  std::string error;
  ASSERT_TRUE(db.append(TrialRecord{key(kConv), "blocked columns=8 block_tile=1", 1.0, "ok", "cvc"},
                        error));
  // What a SIGKILL in the middle of a write leaves.
  writeRaw("trial\tx86-64-linux-avx512\t2\t1\tcv.conv2d_blocked {pa");
  TuningDatabase partial = open();
  EXPECT_EQ(partial.trials().size(), 1u);
  ASSERT_EQ(partial.warnings().size(), 1u);
  EXPECT_NE(partial.warnings()[0].find("unfinished last line"), std::string::npos);

  ASSERT_TRUE(partial.append(
      TrialRecord{key(kConv), "blocked columns=6 block_tile=2", 0.9, "ok", "cvc"}, error));
  TuningDatabase resumed = open();
  EXPECT_EQ(resumed.trials().size(), 2u);
  ASSERT_EQ(resumed.warnings().size(), 1u); // the partial line, now a malformed whole one
  EXPECT_EQ(resumed.trials()[1].point, "blocked columns=6 block_tile=2");
}

TEST_F(DatabaseTest, MalformedLinesAreSkippedWithTheirLineNumbers) {
  writeRaw("# a comment\n"
           "tuned\tt\t2\t1\tsig\tp\tnot-a-number\t1\t0\tcvc\t1\tdate\n"
           "trial\tt\t0\t1\tsig\tp\t1.0\tcvc\n"
           "trial\tt\t2\t1\tsig\tp\t1.0\n"
           "bogus\tline\n"
           "trial\tt\t2\t1\tsig\tp\t-3\tcvc\n"
           "trial\tt\t2\t1\tsig\tp\tslow\tcvc\n"
           "trial\tt\t2\t1\tsig\tp\\q\t1.0\tcvc\n"
           "trial\tt\t2\t1\tsig\tp\tinf\tcvc\n"
           "trial\tt\t2\t1\tsig\tp\t0.5\tcvc\n",
           false);
  TuningDatabase db = open();
  EXPECT_EQ(db.trials().size(), 1u);
  EXPECT_EQ(db.tuned().size(), 0u);
  ASSERT_EQ(db.warnings().size(), 8u);
  EXPECT_NE(db.warnings()[0].find(":2:"), std::string::npos) << db.warnings()[0];
  EXPECT_NE(db.warnings()[3].find("unknown record kind"), std::string::npos) << db.warnings()[3];
}

TEST_F(DatabaseTest, AFileOverTheLimitOrNotAFileIsRefused) {
  writeRaw(std::string(4096, '#') + "\n", false);
  std::string error;
  EXPECT_FALSE(TuningDatabase::open(path, error, 1024));
  EXPECT_NE(error.find("over the limit"), std::string::npos) << error;
  EXPECT_FALSE(TuningDatabase::open(folder, error));
  EXPECT_NE(error.find("not a regular file"), std::string::npos) << error;
}

TEST_F(DatabaseTest, TwoProcessesAppendingInterleaveWholeLines) {
  constexpr int kEach = 400;
  pid_t children[2];
  for (int c = 0; c < 2; ++c) {
    children[c] = fork();
    ASSERT_GE(children[c], 0);
    if (children[c] == 0) {
      std::string error;
      std::optional<TuningDatabase> db = TuningDatabase::open(path, error);
      for (int i = 0; db && i < kEach; ++i)
        if (!db->append(TrialRecord{key(kConv + std::to_string(c)),
                                    "blocked columns=" + std::to_string(i) + " block_tile=1",
                                    1.0 + i, "ok", "cvc"},
                        error))
          _exit(1);
      _exit(db ? 0 : 1);
    }
  }
  for (pid_t child : children) {
    int status = 0;
    waitpid(child, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  TuningDatabase db = open();
  EXPECT_TRUE(db.warnings().empty()) << db.warnings()[0];
  EXPECT_EQ(db.trials().size(), 2u * kEach);
  EXPECT_EQ(db.trialsOf(key(std::string(kConv) + "1")).size(), static_cast<size_t>(kEach));
}

TEST_F(DatabaseTest, LookupPrefersTheNearestThreadsAndBatchAndNeighboursAreByDistance) {
  TuningDatabase db = open();
  std::string error;
  auto tuned = [&](TuningKey k, const std::string &point) {
    TunedRecord r;
    r.key = std::move(k);
    r.point = point;
    r.strategy = "cvc";
    ASSERT_TRUE(db.append(r, error)) << error;
  };
  tuned(key(kConv, 1, 1), "one thread");
  tuned(key(kConv, 2, 16), "two threads batch 16");
  tuned(key(kConv, 2, 1), "two threads batch 1");
  EXPECT_EQ(db.lookup(key(kConv, 2, 1))->point, "two threads batch 1");
  EXPECT_EQ(db.lookup(key(kConv, 2, 8))->point, "two threads batch 16");
  EXPECT_EQ(db.lookup(key(kConv, 1, 2))->point, "one thread");
  TuningKey otherTarget = key(kConv);
  otherTarget.target = "arm-64-linux";
  EXPECT_EQ(db.lookup(otherTarget), nullptr);

  // Neighbours: the same op at other shapes, the closer first; other ops never.
  std::string near = kConv, far = kConv;
  near.replace(near.find("56x56"), 5, "28x28");
  near.replace(near.find("56x56"), 5, "28x28");
  far.replace(far.find("56x56"), 5, "7x7");
  far.replace(far.find("56x56"), 5, "7x7");
  tuned(key(far), "far");
  tuned(key(near), "near");
  tuned(key("cv.matmul {} {} (tensor<?x64x3136xf32>) -> (tensor<?x64x3136xf32>)"), "matmul");
  std::vector<const TunedRecord *> n = db.neighbours(key(kConv), 5);
  ASSERT_EQ(n.size(), 2u);
  EXPECT_EQ(n[0]->point, "near");
  EXPECT_EQ(n[1]->point, "far");
  EXPECT_LT(keyDistance(key(kConv), key(near)), keyDistance(key(kConv), key(far)));
  EXPECT_TRUE(std::isinf(keyDistance(key(kConv), key("cv.matmul {} {} () -> ()"))));
  // Other attributes cost a penalty but stay comparable by shape.
  std::string relu = kConv;
  relu.replace(relu.find("{pads"), 1, "{activation = #cv<activation relu>, ");
  double d = keyDistance(key(kConv), key(relu));
  EXPECT_TRUE(std::isfinite(d));
  EXPECT_GT(d, keyDistance(key(kConv), key(near)));
}

} // namespace

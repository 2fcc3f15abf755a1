//===- DataTestUtil.h - helpers shared by the data library tests -*- C++ -*-===//
#ifndef CVC_TEST_DATATESTUTIL_H
#define CVC_TEST_DATATESTUTIL_H

#include "cvc/data.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <unistd.h>

namespace cvc::test {

/// The message of `status` ("" for success), freeing it.
inline std::string take(cvc_status status) {
  std::string m = status ? cvc_status_message(status) : "";
  cvc_status_free(status);
  return m;
}

/// A fresh folder for this test process.
inline std::filesystem::path scratchDir(const std::string &name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("cvc-data-test-" + std::to_string(getpid())) / name;
  std::filesystem::create_directories(dir);
  return dir;
}

inline const char *kFashionTrain = "fashion-mnist:train";

} // namespace cvc::test

#endif // CVC_TEST_DATATESTUTIL_H

//===- ScratchDir.h - a unit test program's scratch folder ------*- C++ -*-===//
#ifndef CVC_TEST_UNIT_SCRATCHDIR_H
#define CVC_TEST_UNIT_SCRATCHDIR_H

#include <filesystem>
#include <string>
#include <system_error>

#include <unistd.h>

namespace cvc::test {

/// "<tmp>/<prefix>-<pid>", created now and removed with what the tests
/// wrote into it when the program exits (held in a function's static, its
/// destructor runs then), so that test runs leave nothing behind.
class ScratchDir {
public:
  explicit ScratchDir(const std::string &prefix)
      : path_(std::filesystem::temp_directory_path() / (prefix + "-" + std::to_string(getpid()))) {
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir &) = delete;
  ScratchDir &operator=(const ScratchDir &) = delete;

  const std::filesystem::path &path() const { return path_; }

private:
  std::filesystem::path path_;
};

} // namespace cvc::test

#endif // CVC_TEST_UNIT_SCRATCHDIR_H

//===- ScratchFile.h - fuzz input as a file for path-taking readers -*- C++ -*-===//
//
// cvc's readers take paths, as users call them. A fuzz target writes each
// input to a file in a per-process folder on tmpfs (/dev/shm when there is
// one), named with the suffix the reader dispatches on.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_FUZZ_SCRATCHFILE_H
#define CVC_FUZZ_SCRATCHFILE_H

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

namespace cvc::fuzz {

inline const std::filesystem::path &scratchFolder() {
  static const std::filesystem::path folder = [] {
    std::filesystem::path base =
        std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
    std::filesystem::path p = base / ("cvc-fuzz-" + std::to_string(getpid()));
    std::filesystem::create_directories(p);
    // Removed at exit; a crash leaves it for the post-mortem.
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(scratchFolder(), ec);
    });
    return p;
  }();
  return folder;
}

/// Writes `size` bytes to scratchFolder()/name and returns the path.
inline std::string writeScratch(const std::string &name, const uint8_t *data, size_t size) {
  std::string path = (scratchFolder() / name).string();
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f)
    std::abort();
  if (size && std::fwrite(data, 1, size, f) != size)
    std::abort();
  std::fclose(f);
  return path;
}

} // namespace cvc::fuzz

#endif // CVC_FUZZ_SCRATCHFILE_H

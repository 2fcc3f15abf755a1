//===- TempFolder.cpp - a private scratch folder, gone when done ---------===//
//
// mkdtemp(3) makes the folder (mode 0700, a name no other process gets);
// the pid in its name tells a later process a dead owner's folder from a
// live one's (DeadProcesses.h). Leftovers are only looked for under the
// same prefix, so another program's folders are never touched.
//
//===----------------------------------------------------------------------===//
#include "cvc/files/TempFolder.h"
#include "DeadProcesses.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <unistd.h>

namespace cvc::files {
namespace {

std::string tempRoot() {
  const char *dir = std::getenv("TMPDIR");
  return dir && *dir ? dir : "/tmp";
}

int removeStaleFolders(const std::string &root, const std::string &prefix) {
  return removeLeftoversOfDeadProcesses(root, prefix, [](const std::string &path) {
    std::error_code ec;
    // remove_all does not follow symbolic links: a link planted in the
    // folder is removed, never what it points to.
    return std::filesystem::remove_all(path, ec) > 0 && !ec;
  });
}

} // namespace

TempFolder::TempFolder(const std::string &prefix) {
  const std::string root = tempRoot();
  staleRemoved_ = removeStaleFolders(root, prefix + "-");
  std::string pattern = root + "/" + prefix + "-" + std::to_string(::getpid()) + "-XXXXXX";
  if (!::mkdtemp(pattern.data())) {
    error_ = "cannot create a temporary folder in '" + root + "': " + std::strerror(errno);
    return;
  }
  path_ = pattern;
}

TempFolder::~TempFolder() {
  if (path_.empty() || keep_)
    return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

} // namespace cvc::files

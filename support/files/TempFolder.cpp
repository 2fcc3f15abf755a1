//===- TempFolder.cpp - a private scratch folder, gone when done ---------===//
//
// mkdtemp(3) makes the folder (mode 0700, a name no other process gets);
// the pid in its name tells a later process a dead owner's folder from a
// live one's: kill(pid, 0) fails with ESRCH only when no such process
// exists. Leftovers are only looked for under the same prefix, so another
// program's folders are never touched.
//
//===----------------------------------------------------------------------===//
#include "cvc/files/TempFolder.h"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <filesystem>
#include <unistd.h>

namespace cvc::files {
namespace {

std::string tempRoot() {
  const char *dir = std::getenv("TMPDIR");
  return dir && *dir ? dir : "/tmp";
}

int removeStaleFolders(const std::string &root, const std::string &prefix) {
  DIR *dir = ::opendir(root.c_str());
  if (!dir)
    return 0;
  int removed = 0;
  while (dirent *entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name.compare(0, prefix.size(), prefix) != 0)
      continue;
    char *end = nullptr;
    errno = 0;
    long pid = std::strtol(name.c_str() + prefix.size(), &end, 10);
    if (errno || pid <= 0 || *end != '-' || pid == ::getpid())
      continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH)
      continue;
    std::error_code ec;
    // remove_all does not follow symbolic links: a link planted in the
    // folder is removed, never what it points to.
    if (std::filesystem::remove_all(root + "/" + name, ec) > 0 && !ec)
      ++removed;
  }
  ::closedir(dir);
  return removed;
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

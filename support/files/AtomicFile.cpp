//===- AtomicFile.cpp - a file written whole or not at all ---------------===//
//
// POSIX: mkstemp beside the destination (a rename stays on one file
// system), rename(2) to commit. The writer's pid in the partial's name lets
// a later writer tell a dead writer's leftover from a live writer's file
// (DeadProcesses.h).
//
//===----------------------------------------------------------------------===//
#include "cvc/files/AtomicFile.h"
#include "DeadProcesses.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace cvc::files {
namespace {

std::string folderOf(const std::string &path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string nameOf(const std::string &path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string partialPrefix(const std::string &path) { return "." + nameOf(path) + ".partial-"; }

/// Removes "<prefix><pid>-<random>" files in `folder` whose pid is dead.
int removeStaleIn(const std::string &folder, const std::string &prefix) {
  return removeLeftoversOfDeadProcesses(folder, prefix, [](const std::string &path) {
    return ::unlink(path.c_str()) == 0;
  });
}

} // namespace

int removeStalePartials(const std::string &path) {
  return removeStaleIn(folderOf(path), partialPrefix(path));
}

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  const std::string folder = folderOf(path_);
  const std::string prefix = partialPrefix(path_);
  staleRemoved_ = removeStaleIn(folder, prefix);
  std::string pattern = folder + "/" + prefix + std::to_string(::getpid()) + "-XXXXXX";
  fd_ = ::mkostemp(pattern.data(), O_CLOEXEC);
  if (fd_ < 0) {
    fail("cannot write into '" + folder + "'");
    return;
  }
  partial_ = pattern;
  // mkstemp's 0600, widened to what the umask allows, as for any new file.
  mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd_, 0666 & ~mask);
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0)
    ::close(fd_);
  if (!committed_ && !partial_.empty())
    ::unlink(partial_.c_str());
}

bool AtomicFile::fail(const std::string &what) {
  if (error_.empty())
    error_ = what + ": " + std::strerror(errno);
  return false;
}

bool AtomicFile::write(std::string_view bytes) {
  if (!ok())
    return false;
  while (!bytes.empty()) {
    ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return fail("cannot write '" + path_ + "'");
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool AtomicFile::commit(bool durable) {
  if (!ok())
    return false;
  if (durable && ::fsync(fd_) != 0)
    return fail("cannot write '" + path_ + "'");
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0)
    return fail("cannot write '" + path_ + "'");
  if (::rename(partial_.c_str(), path_.c_str()) != 0)
    return fail("cannot create '" + path_ + "'");
  committed_ = true;
  if (durable) {
    // The rename itself, recorded in the folder.
    int dir = ::open(folderOf(path_).c_str(), O_RDONLY | O_DIRECTORY);
    if (dir >= 0) {
      ::fsync(dir);
      ::close(dir);
    }
  }
  return true;
}

bool writeFileAtomically(const std::string &path, std::string_view bytes, std::string &error,
                         bool durable) {
  AtomicFile file(path);
  if (file.write(bytes) && file.commit(durable))
    return true;
  error = file.error();
  return false;
}

} // namespace cvc::files

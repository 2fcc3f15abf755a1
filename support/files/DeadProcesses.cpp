//===- DeadProcesses.cpp - leftovers of processes that are gone ----------===//
//
// kill(pid, 0) answers ESRCH only when no such process exists: a live
// writer's file, or one whose owner cannot be signalled (EPERM), is kept.
//
//===----------------------------------------------------------------------===//
#include "DeadProcesses.h"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <dirent.h>
#include <unistd.h>

namespace cvc::files {

int removeLeftoversOfDeadProcesses(const std::string &folder, const std::string &prefix,
                                   bool (*remove)(const std::string &path)) {
  DIR *dir = ::opendir(folder.c_str());
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
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH &&
        remove(folder + "/" + name))
      ++removed;
  }
  ::closedir(dir);
  return removed;
}

} // namespace cvc::files

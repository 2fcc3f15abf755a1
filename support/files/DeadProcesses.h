//===- DeadProcesses.h - leftovers of processes that are gone ---*- C++ -*-===//
//
// Private to cvc_files: AtomicFile's partial files and TempFolder's scratch
// folders share one naming rule, "<prefix><pid>-<random>", and one test of
// whether their writer is gone.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_FILES_DEADPROCESSES_H
#define CVC_FILES_DEADPROCESSES_H

#include <string>

namespace cvc::files {

/// Calls `remove` on each entry of `folder` named "<prefix><pid>-..." whose
/// pid is not this process and no longer exists (kill(pid, 0) fails with
/// ESRCH); returns how many calls succeeded.
int removeLeftoversOfDeadProcesses(const std::string &folder, const std::string &prefix,
                                   bool (*remove)(const std::string &path));

} // namespace cvc::files

#endif // CVC_FILES_DEADPROCESSES_H

//===- TempFolder.h - a private scratch folder, gone when done --*- C++ -*-===//
#ifndef CVC_FILES_TEMPFOLDER_H
#define CVC_FILES_TEMPFOLDER_H

#include <string>

namespace cvc::files {

/// A new folder "<tmp>/<prefix>-<pid>-<random>" (<tmp>: $TMPDIR, else
/// /tmp), removed with everything in it when this object goes unless
/// keep() was called. A process killed midway cannot remove its own, so
/// creating one first removes the "<prefix>-<pid>-*" folders of processes
/// that no longer exist, as AtomicFile does with partial files.
class TempFolder {
public:
  /// On failure ok() is false and error() says why.
  explicit TempFolder(const std::string &prefix);
  ~TempFolder();
  TempFolder(const TempFolder &) = delete;
  TempFolder &operator=(const TempFolder &) = delete;

  bool ok() const { return error_.empty(); }
  const std::string &error() const { return error_; }
  const std::string &path() const { return path_; }
  void keep() { keep_ = true; }
  /// Folders of dead processes removed when this one was created.
  int staleRemoved() const { return staleRemoved_; }

private:
  std::string path_, error_;
  bool keep_ = false;
  int staleRemoved_ = 0;
};

} // namespace cvc::files

#endif // CVC_FILES_TEMPFOLDER_H

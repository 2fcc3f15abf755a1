//===- AtomicFile.h - a file written whole or not at all --------*- C++ -*-===//
#ifndef CVC_FILES_ATOMICFILE_H
#define CVC_FILES_ATOMICFILE_H

#include <string>
#include <string_view>

namespace cvc::files {

/// Writes `path` as a whole or not at all. The bytes go to a hidden file
/// beside it, ".<name>.partial-<pid>-<random>", which commit() renames onto
/// `path`: a reader sees the old file or the complete new one, never part;
/// two writers of the same path never share a partial file; and a writer
/// killed midway leaves only its hidden partial, which the next AtomicFile
/// for that path removes once no process with that pid is alive.
class AtomicFile {
public:
  /// Creates the partial file; on failure ok() is false and error() says
  /// why, naming `path`.
  explicit AtomicFile(std::string path);
  ~AtomicFile(); ///< removes the partial file unless committed
  AtomicFile(const AtomicFile &) = delete;
  AtomicFile &operator=(const AtomicFile &) = delete;

  bool ok() const { return error_.empty(); }
  const std::string &error() const { return error_; }
  /// The file to write, for a program that writes it by name (a linker).
  const std::string &partialPath() const { return partial_; }
  /// Open for writing, for a stream that writes it directly; write() and
  /// commit() otherwise.
  int fd() const { return fd_; }
  /// Partial files of dead writers removed when this one was created.
  int staleRemoved() const { return staleRemoved_; }

  bool write(std::string_view bytes);
  /// Closes and renames onto the path. `durable`: synced to disk first,
  /// so that the new file, not an empty one, survives a power loss.
  bool commit(bool durable = false);

private:
  bool fail(const std::string &what);

  std::string path_, partial_, error_;
  int fd_ = -1;
  int staleRemoved_ = 0;
  bool committed_ = false;
};

/// Removes the partial files that writers of `path` left when they died;
/// returns how many. An AtomicFile does this when it is created.
int removeStalePartials(const std::string &path);

/// All of `bytes` into `path` through an AtomicFile; false with `error` set.
bool writeFileAtomically(const std::string &path, std::string_view bytes, std::string &error,
                         bool durable = false);

} // namespace cvc::files

#endif // CVC_FILES_ATOMICFILE_H

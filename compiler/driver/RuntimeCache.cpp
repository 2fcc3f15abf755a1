//===- RuntimeCache.cpp - the Halide runtime object, compiled once -------===//
//
// Every model.so links the Halide runtime for its target. Compiling it takes
// about a second (LLVM code generation of the whole runtime), longer than
// all the kernels of a small model, and the object depends only on the
// target and on the Halide library. So it is kept in a cache folder, keyed
// by both, and written there atomically (a temporary file renamed into
// place), so that concurrent compiles and kills never leave a partial one.
// The folder must be this user's alone: what it holds is linked into every
// model.so this user compiles.
//
//===----------------------------------------------------------------------===//
#include "cvc/driver/RuntimeCache.h"

#include "cvc/files/AtomicFile.h"
#include "cvc/halide/Lowering.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

#include <Halide.h>
#include <cstdio>
#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

namespace cvc {
namespace {

/// The Halide library this process runs: its path, size and modification
/// time, so that an updated libHalide never reuses an old runtime.
std::string halideLibraryIdentity() {
  Dl_info info;
  if (!dladdr(reinterpret_cast<void *>(&Halide::get_host_target), &info) ||
      !info.dli_fname)
    return "unknown";
  struct stat st;
  if (::stat(info.dli_fname, &st) != 0)
    return info.dli_fname;
  return std::string(info.dli_fname) + ":" + std::to_string(st.st_size) + ":" +
         std::to_string(st.st_mtime);
}

} // namespace

std::string runtimeCacheFolder() {
  if (std::optional<std::string> dir = llvm::sys::Process::GetEnv("CVC_CACHE_DIR"))
    return *dir == "off" ? "" : *dir;
  llvm::SmallString<256> path;
  if (std::optional<std::string> xdg = llvm::sys::Process::GetEnv("XDG_CACHE_HOME"); xdg && !xdg->empty())
    path = *xdg;
  else if (std::optional<std::string> home = llvm::sys::Process::GetEnv("HOME"); home && !home->empty())
    llvm::sys::path::append(path, *home, ".cache");
  else
    return "";
  llvm::sys::path::append(path, "cvc");
  return path.str().str();
}

/// A folder only this user can write: an object found there is linked into
/// every model.so, so nobody else may be able to plant one.
static bool privateFolder(const std::string &folder) {
  if (llvm::sys::fs::create_directories(folder, /*IgnoreExisting=*/true,
                                        llvm::sys::fs::perms::owner_all))
    return false;
  struct stat st;
  return ::lstat(folder.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == ::geteuid() &&
         (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

/// An object file cvc wrote: a regular file owned by this user that starts
/// as ELF does (a cut-short write never gets this far, see below).
static bool usableObject(const std::string &path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid() ||
      st.st_size < 64)
    return false;
  char magic[4] = {};
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f)
    return false;
  size_t n = std::fread(magic, 1, 4, f);
  std::fclose(f);
  return n == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
}

mlir::FailureOr<std::string> halideRuntimeObject(const Halide::Target &target,
                                                 const std::string &scratchDir, bool verbose,
                                                 std::string &error) {
  std::string folder = runtimeCacheFolder();
  if (!folder.empty() && privateFolder(folder)) {
    char name[64];
    std::snprintf(name, sizeof(name), "halide-runtime-%016llx.o",
                  static_cast<unsigned long long>(
                      llvm::xxh3_64bits(target.to_string() + "|" + halideLibraryIdentity())));
    llvm::SmallString<256> cached(folder);
    llvm::sys::path::append(cached, name);
    if (usableObject(cached.str().str()))
      return cached.str().str();
    // Compiled under a unique name, then renamed (files::AtomicFile):
    // concurrent compiles each write their own and the last rename wins,
    // with identical bytes.
    files::AtomicFile output(cached.str().str());
    if (output.ok() &&
        succeeded(halide::compileRuntime(output.partialPath(), target, error)) &&
        output.commit())
      return cached.str().str();
    error.clear();
  }
  if (verbose && !folder.empty())
    llvm::errs() << "cvc: cannot keep the Halide runtime in '" << folder
                 << "' (not a folder of this user's alone; set CVC_CACHE_DIR); compiling it for "
                    "this model only\n";
  std::string object = scratchDir + "/halide_runtime.o";
  if (failed(halide::compileRuntime(object, target, error)))
    return mlir::failure();
  return object;
}

} // namespace cvc

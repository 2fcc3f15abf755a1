//===- Toolchain.cpp - finding the runtime and linking model.so ---------===//
//
// cvc links with the system C compiler rather than a bundled linker: every
// machine that builds C programs has one, and it knows the platform's C and
// C++ runtime libraries the cvc runtime needs.
//
//===----------------------------------------------------------------------===//
#include "cvc/driver/Toolchain.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

#include <cstdlib>

namespace cvc::driver {

static int anchor;

mlir::LogicalResult findRuntime(RuntimeLayout &layout, std::string &error) {
  // $CVC_RUNTIME_DIR links models with another build's runtime: one built
  // with ThreadSanitizer (scripts/tsan.sh), with this compiler unchanged.
  std::string exe = llvm::sys::fs::getMainExecutable(nullptr, &anchor);
  llvm::SmallString<256> prefix(llvm::sys::path::parent_path(llvm::sys::path::parent_path(exe)));
  if (const char *env = std::getenv("CVC_RUNTIME_DIR"); env && *env)
    prefix = env;
  llvm::SmallString<256> include(prefix);
  llvm::sys::path::append(include, "include");
  // The build tree has the runtime in lib/; an installed tree in the
  // library folder of its platform (lib/x86_64-linux-gnu under /usr).
  llvm::SmallString<256> lib(prefix);
  llvm::sys::path::append(lib, "lib");
  llvm::SmallString<256> installedLib(prefix);
  llvm::sys::path::append(installedLib, CVC_INSTALL_LIBDIR);
  if (!llvm::sys::fs::exists(lib + "/libcvc_runtime.a") &&
      llvm::sys::fs::exists(installedLib + "/libcvc_runtime.a"))
    lib = installedLib;
  layout.archive = (lib + "/libcvc_runtime.a").str();
  layout.versionScript = (lib + "/cvc_model.map").str();
  layout.includeDir = include.str().str();
  for (const std::string &path :
       {layout.archive, layout.versionScript, layout.includeDir + "/cvc/plan.h"})
    if (!llvm::sys::fs::exists(path)) {
      error = "the cvc runtime is incomplete: '" + path + "' is missing (is cvc installed with its lib/ and include/ folders?" +
              (std::getenv("CVC_RUNTIME_DIR") ? " $CVC_RUNTIME_DIR is set)" : ")");
      return mlir::failure();
    }
  return mlir::success();
}

mlir::LogicalResult linkSharedLibrary(const RuntimeLayout &runtime,
                                      const std::vector<std::string> &sources,
                                      const std::string &outputPath, const std::string &soname,
                                      const std::string &logPath, std::string &error) {
  std::string cc = "cc";
  if (const char *env = std::getenv("CVC_CC"); env && *env)
    cc = env;
  auto program = llvm::sys::findProgramByName(cc);
  if (!program) {
    error = "cannot find the C compiler '" + cc + "' needed to link the model (set CVC_CC)";
    return mlir::failure();
  }
  // -Xlinker, not -Wl, which would split a name with a comma in it.
  std::vector<std::string> args = {*program, "-shared", "-fPIC", "-O2", "-o", outputPath,
                                   "-Xlinker", "-soname", "-Xlinker", soname,
                                   "-I" + runtime.includeDir};
  args.insert(args.end(), sources.begin(), sources.end());
  for (const char *a : {"-Wl,--gc-sections", "-Wl,-O1", "-Wl,-z,noexecstack", "-Wl,--as-needed"})
    args.push_back(a);
  // The runtime's functions are only referenced by the export list, which
  // does not pull archive members in; take the whole archive.
  args.push_back("-Wl,--whole-archive");
  args.push_back(runtime.archive);
  args.push_back("-Wl,--no-whole-archive");
  args.push_back("-Wl,--version-script=" + runtime.versionScript);
  for (const char *a : {"-lstdc++", "-lpthread", "-ldl", "-lm"})
    args.push_back(a);
  std::vector<llvm::StringRef> argRefs(args.begin(), args.end());
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, llvm::StringRef(logPath),
                                                llvm::StringRef(logPath)};
  std::string execError;
  int rc = llvm::sys::ExecuteAndWait(*program, argRefs, std::nullopt, redirects, 0, 0, &execError);
  if (rc != 0) {
    std::string log;
    if (auto buffer = llvm::MemoryBuffer::getFile(logPath))
      log = (*buffer)->getBuffer().take_back(4000).str();
    error = "linking the model failed (" + cc + " exited with " + std::to_string(rc) + ")" +
            (execError.empty() ? "" : ": " + execError) + (log.empty() ? "" : ":\n" + log);
    return mlir::failure();
  }
  return mlir::success();
}

} // namespace cvc::driver

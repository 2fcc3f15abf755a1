//===- CommandLine.h - checks the tools share on llvm::cl options -*- C++ -*-===//
#ifndef CVC_TOOLS_COMMANDLINE_H
#define CVC_TOOLS_COMMANDLINE_H

#include "llvm/Support/CommandLine.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cvc::tools {

/// "--<name> expects an integer >= <min>, got <value>", or "" when
/// `option` is at least `min`.
inline std::string belowMinimum(const llvm::cl::opt<long> &option, long min) {
  if (option >= min)
    return "";
  return "--" + option.ArgStr.str() + " expects an integer >= " + std::to_string(min) +
         ", got " + std::to_string(option.getValue());
}

/// `--input-shape NAME=d0,d1,...` (positive integers), or std::nullopt.
inline std::optional<std::pair<std::string, std::vector<int64_t>>>
parseInputShape(llvm::StringRef spec) {
  auto [name, dims] = spec.rsplit('=');
  if (name.empty() || dims.empty() || !spec.contains('='))
    return std::nullopt;
  std::vector<int64_t> shape;
  llvm::SmallVector<llvm::StringRef> parts;
  dims.split(parts, ',');
  for (llvm::StringRef p : parts) {
    int64_t d;
    if (p.trim().getAsInteger(10, d) || d < 1)
      return std::nullopt;
    shape.push_back(d);
  }
  return std::make_pair(name.str(), shape);
}

} // namespace cvc::tools

#endif // CVC_TOOLS_COMMANDLINE_H

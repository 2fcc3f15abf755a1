//===- CommandLine.h - checks the tools share on llvm::cl options -*- C++ -*-===//
#ifndef CVC_TOOLS_COMMANDLINE_H
#define CVC_TOOLS_COMMANDLINE_H

#include "llvm/Support/CommandLine.h"

#include <string>

namespace cvc::tools {

/// "--<name> expects an integer >= <min>, got <value>", or "" when
/// `option` is at least `min`.
inline std::string belowMinimum(const llvm::cl::opt<long> &option, long min) {
  if (option >= min)
    return "";
  return "--" + option.ArgStr.str() + " expects an integer >= " + std::to_string(min) +
         ", got " + std::to_string(option.getValue());
}

} // namespace cvc::tools

#endif // CVC_TOOLS_COMMANDLINE_H

//===- TrainingOptions.h - the one table of a training step's settings -*- C++ -*-===//
//
// TrainingOptions (TrainStep.h) is set from two command lines: cvc's flags
// (`cvc model.onnx --train --momentum 0.5`) and the options of the pass
// (`cvc-opt --cv-build-train-step="momentum=0.5"`). Both declare what they
// accept from this table and set the fields through it, so a new setting
// is one row, reachable from both, checked once with one message.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_AUTODIFF_TRAININGOPTIONS_H
#define CVC_AUTODIFF_TRAININGOPTIONS_H

#include "cvc/autodiff/TrainStep.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace cvc::autodiff {

/// One setting: its names, its help and how its text sets the field.
struct TrainingOptionSpec {
  enum class Kind {
    Value, ///< takes a value: --momentum 0.5, momentum=0.5
    Flag,  ///< on or off: --train-export-gradients, export-gradients=true
    List,  ///< comma-separated values, each set in turn: --freeze a,b
  };
  const char *option; ///< the pass option, cv-build-train-step="<option>=..."
  /// cvc's flag, --<flag>; null when cvc sets the field from a flag it has
  /// for other uses as well (the new head's seed is cvc's --seed).
  const char *flag;
  Kind kind;
  const char *valueName; ///< what --help shows for the value
  const char *help;
  /// Sets the field from `text` (one element of a list); false with why it
  /// is refused, e.g. "must be a number >= 0".
  bool (*set)(TrainingOptions &options, llvm::StringRef text, std::string &why);
};

/// Every setting of TrainingOptions, in the order --help lists them.
llvm::ArrayRef<TrainingOptionSpec> trainingOptionSpecs();

/// The row whose pass option is `option`; null if none is.
const TrainingOptionSpec *findTrainingOption(llvm::StringRef option);

/// Sets `spec`'s field of `options` from `text`; on failure `error` reads
/// "<spelling> <why>, got '<text>'", with the option spelled as the caller
/// names it ("--momentum", "option 'momentum'").
bool setTrainingOption(TrainingOptions &options, const TrainingOptionSpec &spec,
                       llvm::StringRef text, llvm::StringRef spelling, std::string &error);

} // namespace cvc::autodiff

#endif // CVC_AUTODIFF_TRAININGOPTIONS_H

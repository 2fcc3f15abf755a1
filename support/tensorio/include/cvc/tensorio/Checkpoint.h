//===- Checkpoint.h - a training run's state on disk ------------*- C++ -*-===//
//
// A checkpoint holds every session state (parameters, optimizer slots,
// statistics) and where the run stands (epoch, batch within it, global step,
// seed), which together with the deterministic data order is all a resumed
// run needs to continue exactly as an uninterrupted one. It is written to a
// temporary file that is synced and renamed over the old one, so a kill at
// any moment leaves either the previous or the new checkpoint, never half
// of one. Its tensor table names the tensors inside the states (where
// `conv1.weight` sits in "parameters"), so that another model — a new head
// on the same network, another batch size — can start from it by name.
// libcvc_train writes and resumes from checkpoints; the .cvm frontend loads
// a checkpoint's tensors as weights (NamedTensors.h).
//
//===----------------------------------------------------------------------===//
#ifndef CVC_TENSORIO_CHECKPOINT_H
#define CVC_TENSORIO_CHECKPOINT_H

#include "cvc/tensorio/Tensor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace cvc::tensorio {

struct Checkpoint {
  std::string model;          ///< the model's name, checked on resume
  uint64_t seed = 0;
  uint64_t epoch = 0;         ///< the epoch in progress
  uint64_t batch = 0;         ///< batches of it already trained
  uint64_t step = 0;          ///< global step (batches trained in all)
  /// Images each step trained, every rank's together (format 3; 0 when
  /// the file does not say): the images of the epoch already trained are
  /// batch * imagesPerStep, whatever the batch and rank count of a run
  /// that resumes it.
  uint64_t imagesPerStep = 0;
  uint64_t ranks = 1;         ///< processes of the run (format 3)
  struct State {
    std::string name;
    std::vector<float> values;
  };
  std::vector<State> states;
  /// A named tensor inside a state (where a model's cvc_slice_info puts it):
  /// a place, not values.
  struct Slice {
    std::string name;
    uint64_t state = 0;  ///< index into `states`
    uint64_t offset = 0; ///< in elements
    std::vector<int64_t> shape;
  };
  std::vector<Slice> tensors; ///< the tensor table; empty in checkpoints of format 1

  /// The values of `slice`, one of `tensors` of a checkpoint read from a
  /// file (readCheckpoint has checked that it lies inside its state).
  Tensor tensor(const Slice &slice) const;
};

/// Writes `checkpoint` to a temporary file beside `path`, syncs it and
/// renames it over `path`.
bool writeCheckpoint(const std::string &path, const Checkpoint &checkpoint, std::string &error);
/// Reads and checks a checkpoint (format 1, 2 or 3); `error` names the file.
bool readCheckpoint(const std::string &path, Checkpoint &checkpoint, std::string &error);

/// The checksum a checkpoint file ends with: FNV-1a of every byte before it.
uint64_t checkpointChecksum(const char *bytes, size_t size);

} // namespace cvc::tensorio

#endif // CVC_TENSORIO_CHECKPOINT_H

//===- Checkpoints.cpp - where a training run starts, and saving it -----===//
//
// A run starts at step 0 from the weights compiled into the model, or from
// another checkpoint's tensors matched by name and shape (--from: a new
// head on a trained network), or continues a killed run exactly
// (--resume): every state and the (epoch, batch, step) position come from
// its checkpoint, and the data order and learning rate follow from those.
//
//===----------------------------------------------------------------------===//
#include "Trainer.h"

#include "cvc/files/AtomicFile.h"
#include "cvc/tensorio/Checkpoint.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>

namespace cvc::train {
namespace {

using tensorio::Checkpoint;

/// "a, b, c and 4 more"
std::string nameList(const std::vector<std::string> &names) {
  std::string s;
  const size_t shown = std::min<size_t>(names.size(), 6);
  for (size_t i = 0; i < shown; ++i)
    s += (i ? ", " : "") + names[i];
  if (names.size() > shown)
    s += " and " + std::to_string(names.size() - shown) + " more";
  return s;
}

} // namespace

bool Trainer::startUp(const cvc_train_options &o, Position &at, std::string &error) {
  at = Position{};
  // Rank 0 alone reads files, so ranks on machines without shared storage
  // start from the same states.
  if (comm->rank() == 0 && !startFromFiles(o, at, error))
    return false;
  return !distributed() || shareStart(at, error);
}

bool Trainer::shareStart(Position &at, std::string &error) {
  uint64_t position[3] = {at.epoch, at.batch, at.step};
  if (!comm->broadcast(position, sizeof(position), 0, "sharing where training starts", error))
    return false;
  at = Position{position[0], position[1], position[2]};
  std::vector<std::vector<float>> states;
  if (!readStates(states, error))
    return false;
  for (size_t i = 0; i < states.size(); ++i) {
    if (!comm->broadcast(states[i].data(), states[i].size() * sizeof(float), 0,
                         "sharing rank 0's states", error))
      return false;
    if (comm->rank() != 0)
      if (cvc_status s = lib.cvc_session_write_state(session, i, states[i].data(), states[i].size())) {
        error = lib.take(s);
        return false;
      }
  }
  return true;
}

bool Trainer::startFromFiles(const cvc_train_options &o, Position &at, std::string &error) {
  // A run killed while writing leaves the hidden partial file the
  // checkpoint is written to before its rename (files::AtomicFile); the
  // checkpoint itself is whole, and the partial is never read. Only a dead
  // writer's partial is removed: another run writing beside it keeps its own.
  if (o.checkpoint && *o.checkpoint) {
    int removed = files::removeStalePartials(o.checkpoint);
    if (removed && o.progress)
      std::fprintf(stderr, "cvc-train: removed %d partial file%s of '%s', a checkpoint write cut short\n",
                   removed, removed == 1 ? "" : "s", o.checkpoint);
  }
  if (o.resume && !resume(o, at, error))
    return false;
  if (o.init_from && *o.init_from) {
    if (o.resume) {
      if (o.progress)
        std::fprintf(stderr, "cvc-train: resuming, so the states come from '%s', not '%s'\n",
                     o.checkpoint, o.init_from);
    } else if (!initialiseFrom(o.init_from, o.progress, error)) {
      return false;
    }
  }
  return true;
}

bool Trainer::continueMidEpoch(const Checkpoint &checkpoint, Position &at, bool progress,
                               std::string &error) {
  // Format 2 checkpoints do not say.
  if (checkpoint.imagesPerStep == 0 || checkpoint.imagesPerStep == imagesPerStep)
    return true;
  // The epoch's order is the same for every batch and rank count: the run
  // continues at the first image the checkpoint's had not trained, which
  // must begin one of this run's steps. The numbers come from the file.
  auto runText = [](uint64_t images, uint64_t ranks) {
    return std::to_string(images) + " images per step" +
           (ranks > 1 ? " on " + std::to_string(ranks) + " ranks" : "");
  };
  const std::string theirs = runText(checkpoint.imagesPerStep, checkpoint.ranks),
                    ours = runText(imagesPerStep, static_cast<uint64_t>(comm->size()));
  uint64_t done = 0, epochSteps = 0;
  if (__builtin_mul_overflow(checkpoint.batch, checkpoint.imagesPerStep, &done) ||
      done % imagesPerStep != 0) {
    error = "the checkpoint's run (" + theirs + ") stopped after batch " +
            std::to_string(checkpoint.batch) + " of epoch " + std::to_string(at.epoch + 1) +
            ", where this run's steps (" + ours + ") do not end: resume with a batch and rank "
            "count whose product divides the images trained, or from a checkpoint written at "
            "an epoch's end";
    return false;
  }
  at.batch = done / imagesPerStep;
  if (at.batch > batchesPerEpoch ||
      __builtin_mul_overflow(at.epoch, batchesPerEpoch, &epochSteps) ||
      __builtin_add_overflow(epochSteps, at.batch, &at.step)) {
    error = "the checkpoint's position (epoch " + std::to_string(at.epoch + 1) + ", " +
            std::to_string(done) + " images in) lies beyond this run's epochs of " +
            std::to_string(batchesPerEpoch) + " steps (" + ours + ")";
    return false;
  }
  if (progress)
    std::fprintf(stderr,
                 "cvc-train: the checkpoint's run trained %s, this one %s: continuing after "
                 "image %llu of epoch %llu, at batch %llu (step %llu)\n",
                 theirs.c_str(), ours.c_str(), static_cast<unsigned long long>(done),
                 static_cast<unsigned long long>(at.epoch + 1),
                 static_cast<unsigned long long>(at.batch),
                 static_cast<unsigned long long>(at.step));
  return true;
}

bool Trainer::resume(const cvc_train_options &o, Position &at, std::string &error) {
  auto fail = [&](const std::string &message) {
    error = message;
    return false;
  };
  if (!o.checkpoint)
    return fail("--resume needs a checkpoint path");
  Checkpoint checkpoint;
  if (!tensorio::readCheckpoint(o.checkpoint, checkpoint, error))
    return false;
  if (checkpoint.model != lib.cvc_model_name(model))
    return fail(std::string("checkpoint '") + o.checkpoint + "' belongs to model '" +
                checkpoint.model + "', not '" + lib.cvc_model_name(model) + "'");
  if (checkpoint.seed != o.seed)
    return fail("checkpoint '" + std::string(o.checkpoint) + "' was trained with seed " +
                std::to_string(checkpoint.seed) + "; resume with the same seed");
  if (checkpoint.states.size() != lib.cvc_model_state_count(model))
    return fail(std::string("checkpoint '") + o.checkpoint + "' does not match the model's states");
  for (size_t i = 0; i < checkpoint.states.size(); ++i) {
    cvc_state_info info;
    (void)lib.take(lib.cvc_model_state_info(model, i, &info));
    if (checkpoint.states[i].name != info.name ||
        checkpoint.states[i].values.size() != info.elements)
      return fail(std::string("checkpoint '") + o.checkpoint + "': state '" +
                  checkpoint.states[i].name + "' does not match the model's '" + info.name + "'");
    if (cvc_status s = lib.cvc_session_write_state(session, i, checkpoint.states[i].values.data(),
                                                   info.elements))
      return fail(lib.take(s));
  }
  at.epoch = checkpoint.epoch;
  at.batch = checkpoint.batch;
  at.step = checkpoint.step;
  if (!continueMidEpoch(checkpoint, at, o.progress, error))
    return false;
  if (o.progress)
    std::fprintf(stderr, "cvc-train: resuming at epoch %llu, batch %llu (step %llu)\n",
                 static_cast<unsigned long long>(at.epoch + 1),
                 static_cast<unsigned long long>(at.batch), static_cast<unsigned long long>(at.step));
  return true;
}

bool Trainer::initialiseFrom(const std::string &path, bool progress, std::string &error) {
  Checkpoint source;
  if (!tensorio::readCheckpoint(path, source, error))
    return false;
  if (source.tensors.empty()) {
    error = "checkpoint '" + path + "' has no tensor names (written by an older cvc-train); "
            "it can only --resume the model that wrote it";
    return false;
  }
  std::map<std::string, const Checkpoint::Slice *> byName;
  for (const Checkpoint::Slice &t : source.tensors)
    byName[t.name] = &t;
  std::vector<std::vector<float>> states;
  if (!readStates(states, error))
    return false;
  std::vector<std::string> loaded, reshaped, missing;
  for (size_t i = 0; i < lib.cvc_model_slice_count(model); ++i) {
    cvc_slice_info slice;
    if (cvc_status s = lib.cvc_model_slice_info(model, i, &slice)) {
      error = lib.take(s);
      return false;
    }
    std::vector<int64_t> shape(slice.dims, slice.dims + slice.rank);
    auto it = byName.find(slice.name);
    if (it == byName.end()) {
      missing.push_back(slice.name);
      continue;
    }
    const Checkpoint::Slice &from = *it->second;
    byName.erase(it);
    if (from.shape != shape) {
      reshaped.push_back(std::string(slice.name) + " (" + tensorio::shapeText(from.shape) +
                         " there, " + tensorio::shapeText(shape) + " here)");
      continue;
    }
    tensorio::Tensor values = source.tensor(from);
    std::copy(values.data.begin(), values.data.end(), states[slice.state].data() + slice.offset);
    loaded.push_back(slice.name);
  }
  if (loaded.empty()) {
    error = "checkpoint '" + path + "' (model '" + source.model + "') has no tensor of the name "
            "and shape of any of this model's trainable tensors (" +
            std::to_string(lib.cvc_model_slice_count(model)) + ")";
    return false;
  }
  for (size_t i = 0; i < states.size(); ++i)
    if (cvc_status s = lib.cvc_session_write_state(session, i, states[i].data(), states[i].size())) {
      error = lib.take(s);
      return false;
    }
  if (progress) {
    std::fprintf(stderr, "cvc-train: %zu tensors start from '%s' (model '%s')\n", loaded.size(),
                 path.c_str(), source.model.c_str());
    if (!reshaped.empty())
      std::fprintf(stderr, "cvc-train: %zu keep their initial values, shaped differently there: %s\n",
                   reshaped.size(), nameList(reshaped).c_str());
    if (!missing.empty())
      std::fprintf(stderr, "cvc-train: %zu keep their initial values, absent there: %s\n",
                   missing.size(), nameList(missing).c_str());
    if (!byName.empty()) {
      std::vector<std::string> unused;
      for (const auto &entry : byName)
        unused.push_back(entry.first);
      std::fprintf(stderr,
                   "cvc-train: %zu tensors of the checkpoint are not trainable here (frozen "
                   "layers are compiled into the model; compile it from these weights to change "
                   "them): %s\n",
                   unused.size(), nameList(unused).c_str());
    }
  }
  return true;
}

bool Trainer::checkRanksAgree(const std::vector<std::vector<float>> &states,
                              std::string &error) {
  std::vector<uint64_t> hashes(states.size(), 0), rank0;
  for (size_t i = 0; i < states.size(); ++i) {
    cvc_state_info info;
    (void)lib.take(lib.cvc_model_state_info(model, i, &info));
    // Each rank normalises with its own batch's statistics, so their
    // running averages differ unless they are averaged.
    if (std::strcmp(info.name, "statistics") == 0 && !averageStatistics)
      continue;
    uint64_t &hash = hashes[i] = 0xcbf29ce484222325ull;
    const auto *words = reinterpret_cast<const uint32_t *>(states[i].data());
    for (size_t k = 0; k < states[i].size(); ++k)
      hash = (hash ^ words[k]) * 0x100000001b3ull;
  }
  std::vector<double> differing;
  if (!compareWithRank0(hashes, rank0, differing, "comparing the ranks' weights", error))
    return false;
  for (size_t i = 0; i < states.size(); ++i)
    if (differing[i] > 0) {
      cvc_state_info info;
      (void)lib.take(lib.cvc_model_state_info(model, i, &info));
      error = "the ranks' state '" + std::string(info.name) + "' differs on " +
              std::to_string(static_cast<int>(differing[i])) + " of " +
              std::to_string(comm->size()) + " ranks from rank 0's: data-parallel training "
              "lost its consistency";
      return false;
    }
  return true;
}

bool Trainer::saveCheckpoint(const cvc_train_options &o, const Position &at, std::string &error) {
  const bool writes = o.checkpoint && comm->rank() == 0; // every rank holds the same weights
  if (!writes && !distributed())
    return true;
  std::vector<std::vector<float>> states;
  if (!readStates(states, error))
    return false;
  // Every rank must hold the same weights (they apply the same update to
  // the same averaged gradients): checked wherever a checkpoint may be
  // written, before rank 0 writes its states as everyone's.
  if (distributed() && !checkRanksAgree(states, error))
    return false;
  if (!writes)
    return true;
  Checkpoint c;
  c.model = lib.cvc_model_name(model);
  c.seed = o.seed;
  c.epoch = at.epoch;
  c.batch = at.batch;
  c.step = at.step;
  c.imagesPerStep = imagesPerStep;
  c.ranks = static_cast<uint64_t>(comm->size());
  for (size_t i = 0; i < states.size(); ++i) {
    cvc_state_info info;
    (void)lib.take(lib.cvc_model_state_info(model, i, &info));
    c.states.push_back({info.name, std::move(states[i])});
  }
  for (size_t i = 0; i < lib.cvc_model_slice_count(model); ++i) {
    cvc_slice_info slice;
    if (cvc_status s = lib.cvc_model_slice_info(model, i, &slice)) {
      error = lib.take(s);
      return false;
    }
    c.tensors.push_back({slice.name, static_cast<uint64_t>(slice.state), slice.offset,
                         std::vector<int64_t>(slice.dims, slice.dims + slice.rank)});
  }
  return tensorio::writeCheckpoint(o.checkpoint, c, error);
}

} // namespace cvc::train

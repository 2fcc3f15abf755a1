//===- Communicator.cpp - one process alone, and launcher detection -----===//
#include "Communicator.h"

#include <cstdio>
#include <cstdlib>

namespace cvc::train {
namespace {

class LocalCommunicator : public Communicator {
public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  bool average(float *, size_t, const char *, std::string &) override { return true; }
  bool sum(double *, size_t, const char *, std::string &) override { return true; }
  bool broadcast(void *, size_t, int, const char *, std::string &) override { return true; }
  [[noreturn]] void abort(const std::string &message) override {
    std::fprintf(stderr, "cvc-train: error: %s\n", message.c_str());
    std::exit(1);
  }
};

} // namespace

std::unique_ptr<Communicator> makeLocalCommunicator() {
  return std::make_unique<LocalCommunicator>();
}

bool launchedByMpiLauncher() {
  // Open MPI's mpirun, PMIx-based launchers (Open MPI 5, Slurm), MPICH's Hydra.
  for (const char *name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"})
    if (const char *v = std::getenv(name); v && *v)
      return true;
  return false;
}

} // namespace cvc::train

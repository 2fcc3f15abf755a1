//===- NoMpi.cpp - makeMpiCommunicator in a build without MPI -----------===//
#include "Communicator.h"

namespace cvc::train {

std::unique_ptr<Communicator> makeMpiCommunicator(int *, char ***, const MpiSettings &,
                                                  std::string &error) {
  error = "distributed training is unavailable: this cvc was built without MPI (install "
          "Open MPI, e.g. scripts/setup.sh, and rebuild)";
  return nullptr;
}

} // namespace cvc::train

//===- Communicator.h - what data-parallel training asks of its ranks -*- C++ -*-===//
//
// The training loop's only view of the other processes of a data-parallel
// run: averaging the gradients, summing a few metrics, broadcasting rank
// 0's states, and ending the whole job when one rank cannot go on. MPI
// implements it (mpi/MpiCommunicator.cpp, built when CMake finds MPI); Gloo
// or NCCL could. One process alone is LocalCommunicator.
//
// Every rank must come out of average() with the same bytes, so that all
// ranks apply the same update and keep bit-identical weights: an allreduce
// whose ranks sum in different orders would let them drift apart. Every
// rank calls the same operations in the same order. An implementation may
// end the job itself when an exchange fails or times out (MPI's does: its
// operations in flight still hold the caller's buffers).
//
//===----------------------------------------------------------------------===//
#ifndef CVC_TRAIN_COMMUNICATOR_H
#define CVC_TRAIN_COMMUNICATOR_H

#include <cstddef>
#include <memory>
#include <string>

namespace cvc::train {

class Communicator {
public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// Replaces `count` floats with their mean over the ranks, identical on
  /// every rank. `what` names the data in a timeout's message.
  virtual bool average(float *data, size_t count, const char *what, std::string &error) = 0;
  /// average() overlapped with the computation of `data`: beginAverage,
  /// then partReady for each range as it becomes final (each element once,
  /// in any order, every rank in the same order), then finishAverage, which
  /// returns with average()'s bytes. An implementation may start exchanging
  /// a part as soon as it is ready; this default waits for finishAverage.
  /// Parts in flight hold `data`: a computation that fails after
  /// beginAverage must end the job (abort), not return and go on.
  virtual bool beginAverage(float *data, size_t count, const char *what, std::string &error) {
    (void)error;
    pending = {data, count, what};
    return true;
  }
  virtual void partReady(size_t first, size_t count) {
    (void)first;
    (void)count;
  }
  virtual bool finishAverage(std::string &error) {
    return average(pending.data, pending.count, pending.what, error);
  }
  /// Replaces `count` doubles with their sum over the ranks.
  virtual bool sum(double *values, size_t count, const char *what, std::string &error) = 0;
  /// Copies rank `root`'s `bytes` to every rank.
  virtual bool broadcast(void *data, size_t bytes, int root, const char *what,
                         std::string &error) = 0;
  /// Ends every rank's process with `message`, exit status 1: what a rank
  /// does when it cannot go on, so that no other rank waits for it.
  [[noreturn]] virtual void abort(const std::string &message) = 0;

private:
  struct Pending {
    float *data = nullptr;
    size_t count = 0;
    const char *what = "";
  } pending;
};

/// One process: rank 0 of 1; nothing to exchange.
std::unique_ptr<Communicator> makeLocalCommunicator();

/// Whether an MPI launcher (mpirun, mpiexec, srun) started this process.
bool launchedByMpiLauncher();

struct MpiSettings {
  /// A rank that waits longer than this for the others ends the job.
  double timeoutSeconds = 300.0;
  /// Gradients are averaged in buckets of at most this many bytes, all in
  /// flight at once, so that large models overlap their buckets' transfers.
  size_t bucketBytes = size_t(25) << 20;
};

/// MPI_COMM_WORLD (MPI_Init runs here; the destructor finalizes), or null
/// with `error` when this build has no MPI.
std::unique_ptr<Communicator> makeMpiCommunicator(int *argc, char ***argv,
                                                  const MpiSettings &settings,
                                                  std::string &error);

} // namespace cvc::train

#endif // CVC_TRAIN_COMMUNICATOR_H

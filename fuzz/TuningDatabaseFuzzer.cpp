//===- TuningDatabaseFuzzer.cpp - tuning databases (cvc --tuning-db) ------===//
//
// A database is shared between machines and may be cut short by a kill. It
// opens (bad lines skipped, with warnings) or fails with a message, and
// every record it yields can be looked up again.
//
//===----------------------------------------------------------------------===//
#include "ScratchFile.h"

#include "cvc/tune/Database.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string path = cvc::fuzz::writeScratch("fuzz.db", data, size);
  std::string error;
  std::optional<cvc::tune::TuningDatabase> db = cvc::tune::TuningDatabase::open(path, error);
  if (!db) {
    if (error.empty())
      std::abort();
    return 0;
  }
  for (const auto &record : db->tuned()) {
    if (!db->lookup(record.key))
      std::abort();
    (void)db->neighbours(record.key, 4);
    (void)cvc::tune::TuningDatabase::format(record);
  }
  for (const auto &trial : db->trials())
    (void)db->trialsOf(trial.key);
  return 0;
}

//===- arena_layout.hpp - activation arena placement ------------*- C++ -*-===//
//
// Where each activation lives in the session's one arena. Header-only so that
// the runtime (which places tensors when a batch size is first seen) and the
// compiler (which reports the planned peak in `cvc --summary`) run the same
// algorithm without the compiler being linked into the runtime.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_ARENA_LAYOUT_HPP
#define CVC_ARENA_LAYOUT_HPP

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace cvc::arena {

constexpr uint64_t kAlignment = 64;

/// One buffer: its size in bytes and the first and last kernel using it.
struct Block {
  uint64_t size = 0;
  int firstUse = -1, lastUse = -1;
};

/// Greedy first fit, largest first: each block takes the lowest aligned
/// offset that overlaps no placed block whose lifetime intersects its own.
/// Fills `offsets` (one per block) and returns the arena size.
inline uint64_t layout(const std::vector<Block> &blocks, std::vector<uint64_t> &offsets) {
  auto aligned = [](uint64_t v) { return (v + kAlignment - 1) / kAlignment * kAlignment; };
  std::vector<size_t> order(blocks.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return blocks[a].size > blocks[b].size; });
  offsets.assign(blocks.size(), 0);
  std::vector<size_t> placed;
  uint64_t total = 0;
  for (size_t i : order) {
    const Block &a = blocks[i];
    std::vector<std::pair<uint64_t, uint64_t>> busy;
    for (size_t p : placed) {
      const Block &b = blocks[p];
      if (a.firstUse <= b.lastUse && b.firstUse <= a.lastUse)
        busy.push_back({offsets[p], offsets[p] + b.size});
    }
    std::sort(busy.begin(), busy.end());
    uint64_t offset = 0, size = aligned(a.size);
    for (auto [lo, hi] : busy) {
      if (offset + size <= lo)
        break;
      offset = std::max(offset, aligned(hi));
    }
    offsets[i] = offset;
    placed.push_back(i);
    total = std::max(total, offset + size);
  }
  return total;
}

} // namespace cvc::arena

#endif // CVC_ARENA_LAYOUT_HPP

// Philox4x32-10 (Salmon et al., SC'11) in bulk: integer arithmetic only, so the stream is bit-identical to the
// TypeScript generator in src/tensor/rng.ts (checked by test/backend/parity.test.ts and philox-parity.test.ts).
// Blocks are independent given their counters, so the stream is split over the threads in contiguous shares, each
// drawn by the vectorized kernels of random-blocks.cc.
#include <algorithm>
#include <cmath>
#include "kernels.h"
#include "parallel.h"

namespace dg {

constexpr int64_t kBlockGrain = 1 << 13;  // blocks (of 4 words) below which a share is not worth a thread

void philox_fill(uint32_t k0, uint32_t k1, uint64_t counter, int64_t blocks, uint32_t* out) {
  parallel_for(blocks, kBlockGrain,
               [&](int64_t b, int64_t e) { philox_blocks(k0, k1, counter + uint64_t(b), e - b, out + 4 * b); });
}

void bernoulli_fill(uint32_t k0, uint32_t k1, uint64_t counter, int64_t n, double threshold, float one, float* out) {
  // v < threshold ⇔ v < ⌈threshold⌉ for the integers v = word >> 8 ∈ [0, 2²⁴); NaN draws no successes
  const uint32_t below = !(threshold > 0) ? 0u : threshold >= 16777216.0 ? 16777216u : uint32_t(std::ceil(threshold));
  parallel_for((n + 3) / 4, kBlockGrain, [&](int64_t b, int64_t e) {
    bernoulli_blocks(k0, k1, counter + uint64_t(b), std::min(n, 4 * e) - 4 * b, below, one, out + 4 * b);
  });
}

}  // namespace dg

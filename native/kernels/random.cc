// Philox4x32-10 (Salmon et al., SC'11) in bulk: integer arithmetic only, so the stream is bit-identical to the
// TypeScript generator in src/tensor/rng.ts (checked by test/backend/parity.test.ts).
#include "kernels.h"

namespace dg {

static inline void philox_block(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0, uint32_t k1,
                                uint32_t* out) {
  for (int r = 0; r < 10; r++) {
    uint64_t p0 = uint64_t(0xd2511f53u) * c0, p1 = uint64_t(0xcd9e8d57u) * c2;
    uint32_t hi0 = uint32_t(p0 >> 32), lo0 = uint32_t(p0), hi1 = uint32_t(p1 >> 32), lo1 = uint32_t(p1);
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
    k0 += 0x9e3779b9u;
    k1 += 0xbb67ae85u;
  }
  out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

void philox_fill(uint32_t k0, uint32_t k1, uint64_t counter, int64_t blocks, uint32_t* out) {
  for (int64_t b = 0; b < blocks; b++) {
    uint64_t c = counter + uint64_t(b);
    philox_block(uint32_t(c), uint32_t(c >> 32), 0, 0, k0, k1, out + 4 * b);
  }
}

void bernoulli_fill(uint32_t k0, uint32_t k1, uint64_t counter, int64_t n, double threshold, float one, float* out) {
  uint32_t w[4];
  for (int64_t b = 0; 4 * b < n; b++) {
    uint64_t c = counter + uint64_t(b);
    philox_block(uint32_t(c), uint32_t(c >> 32), 0, 0, k0, k1, w);
    const int64_t at = 4 * b, m = n - at < 4 ? n - at : 4;
    for (int64_t j = 0; j < m; j++) out[at + j] = double(w[j] >> 8) < threshold ? one : 0.0f;
  }
}

}  // namespace dg

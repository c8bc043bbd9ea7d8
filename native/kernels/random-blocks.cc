// Philox words and Bernoulli draws a vector of blocks at a time: the per-instruction-set half of random.cc, which
// splits the stream over threads and calls these on each share. A block's words depend on its counter alone, so
// every split and every vector width writes the same values.
#include <algorithm>
#include <cstring>
#include "isa.h"
#include "philox-vec.h"

namespace dg {
namespace DG_ISA_NS {

// (a₀ b₀ a₁ b₁ …): the first VW values in lo, the rest in hi
static inline void zip(vu a, vu b, vu& lo, vu& hi) {
  vu il, ih;
  for (int j = 0; j < VW; j++) {
    il[j] = uint32_t(j / 2 + (j % 2) * VW);
    ih[j] = il[j] + uint32_t(VW / 2);
  }
  lo = __builtin_shuffle(a, b, il);
  hi = __builtin_shuffle(a, b, ih);
}

// c₀[0] c₁[0] c₂[0] c₃[0] c₀[1] …: the four words of each lane's block side by side, in 4·VW values at out
static inline void store_interleaved(const vu c[4], uint32_t* out) {
  typedef uint32_t vu_u __attribute__((vector_size(VW * 4), aligned(4)));
  vu p0, p1, q0, q1, r[4];
  zip(c[0], c[2], p0, p1);
  zip(c[1], c[3], q0, q1);
  zip(p0, q0, r[0], r[1]);
  zip(p1, q1, r[2], r[3]);
  for (int i = 0; i < 4; i++) *reinterpret_cast<vu_u*>(out + i * VW) = r[i];
}

void philox_blocks(uint32_t k0, uint32_t k1, uint64_t counter, int64_t blocks, uint32_t* out) {
  uint32_t buf[4 * VW];
  vu c[4];
  for (int64_t b = 0; b < blocks; b += VW) {
    philox_vec(counter + uint64_t(b), k0, k1, c[0], c[1], c[2], c[3]);
    if (b + VW <= blocks) {
      store_interleaved(c, out + 4 * b);
    } else {  // a partial vector at the end
      store_interleaved(c, buf);
      std::memcpy(out + 4 * b, buf, size_t(4 * (blocks - b)) * sizeof(uint32_t));
    }
  }
}

void bernoulli_blocks(uint32_t k0, uint32_t k1, uint64_t counter, int64_t n, uint32_t below, float one, float* out) {
  uint32_t bits, buf[4 * VW];
  std::memcpy(&bits, &one, sizeof bits);
  const vu lim = vu{} + below, hit = vu{} + bits;
  vu c[4];
  for (int64_t i = 0; i < n; i += 4 * VW) {
    philox_vec(counter + uint64_t(i / 4), k0, k1, c[0], c[1], c[2], c[3]);
    for (int q = 0; q < 4; q++) c[q] = (vu)((c[q] >> 8) < lim) & hit;  // the compare gives all ones or 0
    if (i + 4 * VW <= n) {
      store_interleaved(c, reinterpret_cast<uint32_t*>(out + i));
    } else {
      store_interleaved(c, buf);
      std::memcpy(out + i, buf, size_t(n - i) * sizeof(float));
    }
  }
}

}  // namespace DG_ISA_NS
}  // namespace dg

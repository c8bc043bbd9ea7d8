// Philox4x32-10 (Salmon et al., SC'11) on a vector of consecutive counters, for the kernels built per instruction set
// (random-blocks.cc, the fused IWAE estimator). Integer arithmetic only, so every vector width gives the words of
// the scalar TypeScript generator (src/tensor/rng.ts, the reference) bit for bit.
#pragma once
#include <cstdint>
#include "simd.h"

namespace dg {
namespace DG_ISA_NS {

typedef uint32_t vu __attribute__((vector_size(VW * 4)));
typedef uint64_t vu64 __attribute__((vector_size(VW * 4)));

// low 32 bits of each 64-bit lane of a times those of m, as 64-bit products (GCC emits one vpmuludq/pmuludq for it
// on x86; the intrinsic trips a false "uninitialized" warning in GCC 12's avx512fintrin.h)
static inline vu64 mul_even(vu64 a, vu64 m) { return (a & 0xffffffffull) * (m & 0xffffffffull); }

// high and low halves of the 64-bit products a·M, lane by lane (even lanes, then odd lanes shifted down)
static inline void mulhilo(vu a, uint32_t M, vu& hi, vu& lo) {
  const vu64 m = vu64{} + uint64_t(M);
  const vu64 pe = mul_even((vu64)a, m), po = mul_even((vu64)a >> 32, m);
  lo = (vu)((pe & 0xffffffffull) | (po << 32));
  hi = (vu)((pe >> 32) | (po & 0xffffffff00000000ull));
}

// Philox4x32-10 of VW consecutive counters: lane j gets block counter + j
static inline void philox_vec(uint64_t counter, uint32_t k0, uint32_t k1, vu& c0, vu& c1, vu& c2, vu& c3) {
  vu iota;
  for (int j = 0; j < VW; j++) iota[j] = uint32_t(j);
  const uint32_t lo = uint32_t(counter), hi = uint32_t(counter >> 32);
  c0 = iota + lo;
  c1 = (vu{} + hi) - (vu)(c0 < (vu{} + lo));  // carry into the high word where the low word wrapped
  c2 = vu{};
  c3 = vu{};
  for (int r = 0; r < 10; r++) {
    vu hi0, lo0, hi1, lo1;
    mulhilo(c0, 0xd2511f53u, hi0, lo0);
    mulhilo(c2, 0xcd9e8d57u, hi1, lo1);
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
    k0 += 0x9e3779b9u;
    k1 += 0xbb67ae85u;
  }
}

}  // namespace DG_ISA_NS
}  // namespace dg

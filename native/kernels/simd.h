// The SIMD vector type, written with GCC/Clang vector extensions so one source builds for AVX-512, AVX2 and NEON.
// The width follows the flags of the translation unit (see isa.h), so it lives in that unit's namespace.
#pragma once
#include <cstdint>
#include <cstring>
#include "isa.h"

namespace dg {
namespace DG_ISA_NS {

#if defined(__AVX512F__)
constexpr int VW = 16;
#elif defined(__AVX__)
constexpr int VW = 8;
#elif defined(__SSE2__) || defined(__ARM_NEON) || defined(__aarch64__)
constexpr int VW = 4;  // SSE2 / NEON
#else
constexpr int VW = 4;  // no SIMD unit: the compiler lowers 4-lane vectors to scalar code
#endif

typedef float vf __attribute__((vector_size(VW * 4)));
typedef int32_t vi __attribute__((vector_size(VW * 4)));
// Unaligned views, for loads and stores at any float address.
typedef float vf_u __attribute__((vector_size(VW * 4), aligned(4)));

static inline vf vload(const float* p) { return *reinterpret_cast<const vf_u*>(p); }
static inline void vstore(float* p, vf v) { *reinterpret_cast<vf_u*>(p) = v; }
// s - 0 is s exactly (also for -0), so this folds to a plain broadcast; 0 + s would not (-0 + 0 = +0) and costs
// an add before every broadcast, which halved the GEMM's speed on some shapes.
static inline vf vset1(float s) { return s - vf{}; }
static inline vf vselect(vi mask, vf a, vf b) { return mask ? a : b; }
static inline vf vmax(vf a, vf b) { return a > b ? a : b; }
static inline vf vmin(vf a, vf b) { return a < b ? a : b; }
static inline vf vabs(vf a) { return (vf)((vi)a & (vi{} + 0x7fffffff)); }

// Applies a vector function to n floats; the tail goes through the same vector code on a padded copy, so every
// element gets bit-identical results wherever it sits in the array.
template <class F>
static inline void vmap(const float* x, float* out, int64_t n, F f) {
  int64_t i = 0;
  for (; i + VW <= n; i += VW) vstore(out + i, f(vload(x + i)));
  if (i < n) {
    float buf[VW] = {0};
    std::memcpy(buf, x + i, (n - i) * sizeof(float));
    vstore(buf, f(vload(buf)));
    std::memcpy(out + i, buf, (n - i) * sizeof(float));
  }
}

// The same for a function of two arrays' elements, f(a[i], b[i]).
template <class F>
static inline void vmap2(const float* a, const float* b, float* out, int64_t n, F f) {
  int64_t i = 0;
  for (; i + VW <= n; i += VW) vstore(out + i, f(vload(a + i), vload(b + i)));
  if (i < n) {
    float ba[VW] = {0}, bb[VW] = {0};
    std::memcpy(ba, a + i, (n - i) * sizeof(float));
    std::memcpy(bb, b + i, (n - i) * sizeof(float));
    vstore(ba, f(vload(ba), vload(bb)));
    std::memcpy(out + i, ba, (n - i) * sizeof(float));
  }
}

}  // namespace DG_ISA_NS
}  // namespace dg

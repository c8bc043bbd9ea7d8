// The one-row / one-column products of sgemm (gemv and its helpers). Included by gemm.cc only (one translation unit
// per ISA path).
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>
#include "isa.h"
#include "simd.h"

namespace dg {
namespace DG_ISA_NS {

// Products with one row or one column of C (a 1-channel convolution, a linear layer to one output, their weight
// gradients): the micro-kernel would compute MR rows or NR columns and use one, so these run as row updates (axpy,
// vectorized along C) or interleaved dot products instead. Each entry of C is still summed exactly as the
// micro-kernel sums it: one multiply-add chain over k ascending per KC block, blocks added onto C in turn, and the
// same alpha/beta expression. So a product's values never depend on how its rows or columns were split (threads,
// the IWAE kernel's row blocks).
// acc[0..n) += s * x[0..n)
static inline void axpy(float s, const float* x, float* acc, int64_t n) {
  const vf sv = vset1(s);
  int64_t j = 0;
  for (; j + VW <= n; j += VW) vstore(acc + j, vload(acc + j) + sv * vload(x + j));
  for (; j < n; j++) acc[j] += s * x[j];
}

// One step of a chain, fused exactly where the micro-kernel's vector multiply-adds are: on x86 builds with FMA, and
// on ARM64, where the micro-kernel's `acc += a * b` compiles to fused NEON multiply-adds. Left to the compiler's
// contraction as `c + a * b`, these chains gave ARM64 one-row products that differed from the same rows of larger
// products in the last bit.
static inline float madd(float a, float b, float c) {
#if defined(__FMA__) || defined(__ARM_FEATURE_FMA)
  return __builtin_fmaf(a, b, c);
#else
  return c + a * b;
#endif
}

// acc[e] = Σ_p M[e*ld + p] v[p] for e < len, p ascending in one chain per entry; eight entries at a time hide the
// multiply-add latency.
static void dots(const float* M, int64_t ld, const float* v, int64_t kc, int64_t len, float* acc) {
  int64_t e = 0;
  for (; e + 8 <= len; e += 8) {
    float s[8] = {0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f};
    const float* r = M + e * ld;
    for (int64_t p = 0; p < kc; p++)
      for (int i = 0; i < 8; i++) s[i] = madd(r[i * ld + p], v[p], s[i]);
    for (int i = 0; i < 8; i++) acc[e + i] = s[i];
  }
  for (; e < len; e++) {
    float s = 0.f;
    for (int64_t p = 0; p < kc; p++) s = madd(M[e * ld + p], v[p], s);
    acc[e] = s;
  }
}

// v[p] = src[p * stride] for p < k, or src itself when contiguous.
static const float* contiguous(const float* src, int64_t stride, int64_t k, std::vector<float>& buf) {
  if (stride == 1) return src;
  buf.resize(k);
  for (int64_t p = 0; p < k; p++) buf[p] = src[p * stride];
  return buf.data();
}

// C (m x n, one of them 1) = alpha * op(A) op(B) + beta * C; beta == 0 never reads C.
// KCb: the micro-kernel's KC block for this k, so the chains break where its do.
static void gemv(int64_t m, int64_t n, int64_t k, float alpha, const float* A, int64_t lda, bool tA, const float* B,
                 int64_t ldb, bool tB, float beta, float* C, int64_t ldc, int64_t KCb) {
  thread_local std::vector<float> vec, acc;
  // C's long side is its row when m == 1 and its column when n == 1; v is the other operand as a contiguous vector,
  // and entry e of C pairs v with M's e-th row (dots, when contiguous along k) or its e-th column (axpy over k rows).
  const bool rowOut = m == 1;
  const int64_t len = rowOut ? n : m, outStride = rowOut ? 1 : ldc;
  const float* v = rowOut ? contiguous(A, tA ? lda : 1, k, vec) : contiguous(B, tB ? 1 : ldb, k, vec);
  const float* M = rowOut ? B : A;
  const bool dotForm = rowOut ? tB : !tA;
  const int64_t ld = rowOut ? ldb : lda;
  acc.resize(len);
  for (int64_t pc = 0; pc < k; pc += KCb) {
    const int64_t kc = std::min(KCb, k - pc);
    const float beta_eff = pc == 0 ? beta : 1.f;
    if (dotForm) {
      dots(M + pc, ld, v + pc, kc, len, acc.data());
    } else {
      std::fill(acc.begin(), acc.end(), 0.f);
      for (int64_t p = pc; p < pc + kc; p++) axpy(v[p], M + p * ld, acc.data(), len);
    }
    for (int64_t e = 0; e < len; e++) {  // as the micro-kernel stores a partial tile
      float& c = C[e * outStride];
      float res = alpha * acc[e];
      res = beta_eff != 0.f ? res + beta_eff * c : res;
      c = res;
    }
  }
}

}  // namespace DG_ISA_NS
}  // namespace dg

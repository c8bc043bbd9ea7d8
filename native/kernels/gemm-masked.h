// The masked product behind sgemm, shared by gemm.cc (which implements it) and linear.cc (the fused linear layers).
#pragma once
#include <cstdint>
#include "isa.h"

namespace dg {
namespace DG_ISA_NS {

// Elementwise masks fused into a product (masked linear layers), so W ⊙ M and (gᵀx) ⊙ M never exist as separate
// tensors: `b` multiplies B's storage as it is packed (same layout as B, leading dimension ldb), `c` multiplies the
// finished C (leading dimension ldc). Either may be null.
struct GemmMasks {
  const float* b = nullptr;
  int64_t ldb = 0;
  const float* c = nullptr;
  int64_t ldc = 0;
};

// C = alpha · op(A) · (op(B) ⊙ masks.b) + beta · C, the result multiplied by masks.c; sgemm is this with no masks.
void sgemm_masked(int64_t m, int64_t n, int64_t k, float alpha, const float* A, int64_t lda, bool tA, const float* B,
                  int64_t ldb, bool tB, float beta, float* C, int64_t ldc, int nthreads, const GemmMasks& mk);

}  // namespace DG_ISA_NS
}  // namespace dg

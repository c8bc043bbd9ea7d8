// NADE's fused kernels: plain C signatures, no N-API (the glue is binding.cc beside this file).
#pragma once
#include <cstdint>

namespace dg {

// NADE's fused kernels (kernels.cc): x [B, D], W and V [D, H] (row i = position i), c [H], b [D] → logits [B, D]
void nade_forward(const float* x, const float* W, const float* c, const float* V, const float* b, float* logits,
                  int64_t B, int64_t D, int64_t H);
// gradients of Σ gl ⊙ logits; gx may be null (no input gradient)
void nade_backward(const float* x, const float* W, const float* c, const float* V, const float* gl, float* gx,
                   float* gW, float* gc, float* gV, float* gb, int64_t B, int64_t D, int64_t H);
// ancestral sampling in place: x[r, i] ← [u < p(x_i = 1 | x_<i)] for unobserved i (observed may be null)
void nade_sample(const float* W, const float* c, const float* V, const float* b, const float* u,
                 const uint8_t* observed, float* x, int64_t n, int64_t D, int64_t H);

}  // namespace dg

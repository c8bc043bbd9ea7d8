// The gated unit's fused kernels: plain C signatures, no N-API (the glue is binding.cc beside this file).
#pragma once
#include <cstdint>

namespace dg {

// z = x (+ y when y is not null) viewed as [R, 2, M], each row's a half then its b half: out [R, M] = tanh(a)·σ(b).
void gated_unit_forward(const float* x, const float* y, float* out, int64_t R, int64_t M);
// gz [R, 2, M], the gradient of Σ g·out with respect to z (tanh and σ recomputed from x and y).
void gated_unit_backward(const float* x, const float* y, const float* g, float* gz, int64_t R, int64_t M);

}  // namespace dg

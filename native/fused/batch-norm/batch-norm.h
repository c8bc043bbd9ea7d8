// Batch normalisation's fused kernels: plain C signatures, no N-API (the glue is binding.cc beside this file).
#pragma once
#include <cstdint>

namespace dg {

// Training-mode batch norm over x [N, C, S] (S = H·W, or 1 for [N, C]): per channel the batch mean and biased
// variance (written to mean, var), y = (x − mean)/√(var + eps)·w + b (w, b may be null: 1 and 0).
void batch_norm_forward(const float* x, const float* w, const float* b, float* y, float* mean, float* var, int64_t N,
                        int64_t C, int64_t S, float eps);
// Its gradients through the batch statistics; gx, gw, gb may each be null (not wanted).
void batch_norm_backward(const float* x, const float* w, const float* mean, const float* var, const float* gy,
                         float* gx, float* gw, float* gb, int64_t N, int64_t C, int64_t S, float eps);

}  // namespace dg

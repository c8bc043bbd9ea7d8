// Batch normalisation's fused kernels: plain C signatures, no N-API (the glue is binding.cc beside this file).
#pragma once
#include <cstdint>

namespace dg {

// The activation applied to batch norm's output in the same pass (the same codes in src/fused/batch-norm/index.ts):
// none, ReLU max(v, 0), leaky ReLU v > 0 ? v : slope·v (slope ≥ 0, so the output's sign is the input's).
enum BatchNormAct : int { kBnNone = 0, kBnRelu = 1, kBnLeaky = 2 };

// Training-mode batch norm over x [N, C, S] (S = H·W, or 1 for [N, C]): per channel the batch mean and biased
// variance (written to mean, var), y = act((x − mean)/√(var + eps)·w + b) (w, b may be null: 1 and 0).
void batch_norm_forward(const float* x, const float* w, const float* b, float* y, float* mean, float* var, int64_t N,
                        int64_t C, int64_t S, float eps, int act, float slope);
// Its gradients through the activation and the batch statistics; y is the forward output (read when act ≠ none: the
// incoming gradient is masked by its sign, 1 where y > 0 and 0 or slope elsewhere); gx, gw, gb may each be null.
void batch_norm_backward(const float* x, const float* w, const float* mean, const float* var, const float* y,
                         const float* gy, float* gx, float* gw, float* gb, int64_t N, int64_t C, int64_t S, float eps,
                         int act, float slope);

}  // namespace dg

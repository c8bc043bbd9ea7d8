// The fused LSTM recurrence's kernels: plain C signatures, no N-API (the glue is binding.cc beside this file).
#pragma once
#include <cstdint>

namespace dg {

// T steps over M = N·S cells (N lines of S cells), H units, G = 4H gates (i, f, g, o), K taps:
// gx [T, M, G] gate pre-activations from the input, W [G, H, K] (unit j of the neighbour at offsets[k] along the
// line) → hs [T, M, H], acts [T, M, G] (gates after σ/tanh), cs [T, M, H]; zero states before step 0. gx, hs (and
// gy, dgx) are stored in a layout: 0 [T, N, S, C], 1 [N, C, T, S], 2 [N, C, S, T] (src/fused/lstm-scan/kernels.ts)
void lstm_scan_forward(const float* gx, const float* W, const int32_t* offsets, float* hs, float* acts, float* cs,
                       int64_t T, int64_t N, int64_t S, int64_t H, int64_t K, int layout);
// gradients of Σ gy ⊙ hs: dgx [T, M, G] and dW [G, H, K], both overwritten
void lstm_scan_backward(const float* gy, const float* W, const int32_t* offsets, const float* hs, const float* acts,
                        const float* cs, float* dgx, float* dW, int64_t T, int64_t N, int64_t S, int64_t H,
                        int64_t K, int layout);

}  // namespace dg

// The IWAE estimator's fused kernels: plain C signatures, no N-API (the glue is binding.cc beside this file).
#pragma once
#include <cstdint>

namespace dg {

// Standard normals [offset, offset + n) of the Box–Muller stream over Philox4x32-10 blocks counter, counter + 1, …
// under key (k0, k1). The stream is laid out in groups of 16 blocks (64 normals): normal 64g + 16q + j comes from
// block counter + 16g + j, q = 0, 1 from its words (0, 1) and q = 2, 3 from its words (2, 3) (cos and sin of one
// pair). Any range can be drawn on its own, so threads draw their own rows and the result does not depend on them.
void normal_fill(uint32_t k0, uint32_t k1, uint64_t counter, int64_t offset, int64_t n, float* out);

// log p(x) per image by k importance samples (IWAE-k): q(z|x) = N(mu, diag exp(logsd)²) [B, L], p(z) = N(0, I),
// Bernoulli p(x|z) from an MLP decoder with nLayers linear layers (weights[i] [sizes[i+1], sizes[i]], biases[i]
// may be null, act 0 = tanh, 1 = relu between layers). Sample s of image b uses normals (b·k + s)·L … of the stream
// above; `rows` decoder rows per block and thread. logp [B] in float64.
void iwae_estimate(const float* x, const float* mu, const float* logsd, int64_t B, int64_t D, int64_t L, int64_t k,
                   int64_t nLayers, const int64_t* sizes, const float* const* weights, const float* const* biases,
                   int act, uint32_t k0, uint32_t k1, uint64_t counter, int64_t rows, double* logp);

}  // namespace dg

// Fully connected layers on top of the GEMM: x · Wᵀ + b, the masked layer of MADE (W ⊙ M formed in a per-thread
// scratch array, never as a tensor) and a layer with its activation (forward and backward in one call each).
#include <cstring>
#include <vector>
#include "isa.h"
#include "parallel.h"

namespace dg {
namespace DG_ISA_NS {

void linear_forward(const float* x, const float* w, const float* bias, float* out, int64_t m, int64_t k, int64_t n) {
  if (bias)
    for (int64_t i = 0; i < m; i++) std::memcpy(out + i * n, bias, n * sizeof(float));
  sgemm(m, n, k, 1.f, x, k, false, w, k, true, bias ? 1.f : 0.f, out, n, get_threads());
}

// W ⊙ M into a scratch array of this thread (reused between calls). One contiguous, vectorised pass over W and M
// costs less than applying the mask inside the product: there the mask is read in the packing order of W, which for
// the transposed W of the forward pass is strided, and the input gradient loses the unpacked read of W that a
// plain product with 100-odd rows takes (made2, 100 x 784 -> 500: forward 1.56 -> 1.13 ms, PERFORMANCE.md).
static const float* masked_weights(const float* w, const float* mask, int64_t count) {
  thread_local std::vector<float> wm;
  if (int64_t(wm.size()) < count) wm.resize(count);
  float* d = wm.data();
  for (int64_t i = 0; i < count; i++) d[i] = w[i] * mask[i];
  return d;
}

// Masked linear layer y = x (W ⊙ M)ᵀ + b, x [m, k], W and M [n, k].
void masked_linear_forward(const float* x, const float* w, const float* mask, const float* bias, float* out, int64_t m,
                           int64_t k, int64_t n) {
  linear_forward(x, masked_weights(w, mask, n * k), bias, out, m, k, n);
}

// Its input gradient gx [m, k] = g [m, n] · (W ⊙ M).
void masked_linear_grad_input(const float* g, const float* w, const float* mask, float* gx, int64_t m, int64_t k,
                              int64_t n) {
  sgemm(m, k, n, 1.f, g, n, false, masked_weights(w, mask, n * k), k, false, 0.f, gx, k, get_threads());
}

// Its weight gradient gw [n, k] = (gᵀ · x) ⊙ M: the product, then one contiguous pass of the mask over it.
void masked_linear_grad_weight(const float* g, const float* x, const float* mask, float* gw, int64_t m, int64_t k,
                               int64_t n) {
  sgemm(n, k, m, 1.f, g, n, true, x, k, false, 0.f, gw, k, get_threads());
  for (int64_t i = 0, count = n * k; i < count; i++) gw[i] *= mask[i];
}

// A fully connected layer with its activation: out = act(x · wᵀ + bias), act a Unary op code or -1 for none,
// applied in place while the output is still in cache.
void linear_act_forward(const float* x, const float* w, const float* bias, float* out, int64_t m, int64_t k, int64_t n,
                        int act) {
  linear_forward(x, w, bias, out, m, k, n);
  if (act >= 0) unary(act, out, out, m * n, 0.f, 0.f);
}

// Its backward in one call: gz = act'(·) ⊙ g from the saved output y (tanh: 1 − y², relu: [y > 0]), then
// gb = Σ_rows gz, gx = gz · w, gw = gzᵀ · x. Any of gx, gw, gb may be null. gz lives in a per-thread scratch
// buffer reused from step to step, so it costs no allocation.
void linear_act_backward(const float* x, const float* w, const float* y, const float* g, float* gx, float* gw,
                         float* gb, int64_t m, int64_t k, int64_t n, int act) {
  const float* gz = g;
  if (act >= 0) {
    thread_local std::vector<float> scratch;
    if (int64_t(scratch.size()) < m * n) scratch.resize(m * n);
    unary_grad(act, y, y, g, scratch.data(), m * n, 0.f, 0.f);  // y > 0 ⇔ x > 0 for relu
    gz = scratch.data();
  }
  if (gb) {
    std::memset(gb, 0, n * sizeof(float));
    for (int64_t i = 0; i < m; i++) {
      const float* row = gz + i * n;
#pragma GCC ivdep
      for (int64_t j = 0; j < n; j++) gb[j] += row[j];
    }
  }
  const int nt = get_threads();
  if (gx) sgemm(m, k, n, 1.f, gz, n, false, w, k, false, 0.f, gx, k, nt);
  if (gw) sgemm(n, k, m, 1.f, gz, n, true, x, k, false, 0.f, gw, k, nt);
}

}  // namespace DG_ISA_NS
}  // namespace dg

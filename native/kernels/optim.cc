// Fused optimizer updates: one pass over each parameter instead of a chain of elementwise ops.
#include <cmath>
#include "isa.h"
#include "parallel.h"

namespace dg {
namespace DG_ISA_NS {

// The inner loop: restrict pointers and no branches, so it vectorizes (sqrt and divide included).
template <int MODE>  // 0: plain, 1: L2 added to the gradient (Adam), 2: decoupled decay (AdamW)
static void adam_range(float* __restrict p, const float* __restrict g, float* __restrict m, float* __restrict v,
                       int64_t n, float lr, float b1, float b2, float eps, float step, float inv_sqrt_bc2, float wd) {
  const float c1 = 1.f - b1, c2 = 1.f - b2, decay = 1.f - lr * wd;
#pragma GCC ivdep
  for (int64_t i = 0; i < n; i++) {
    float gi = MODE == 1 ? g[i] + wd * p[i] : g[i];
    float pi = MODE == 2 ? p[i] * decay : p[i];
    float mi = b1 * m[i] + c1 * gi;
    float vi = b2 * v[i] + c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = pi - step * mi / (std::sqrt(vi) * inv_sqrt_bc2 + eps);
  }
}

// Adam (Kingma & Ba 2015). bc1 = 1 - b1^t, bc2 = 1 - b2^t. weight_decay adds wd*p to the gradient (Adam) or decays
// the parameter directly (decoupled, AdamW).
void adam_step(float* p, const float* g, float* m, float* v, int64_t n, float lr, float b1, float b2, float eps,
               float bc1, float bc2, float weight_decay, bool decoupled) {
  const float step = lr / bc1, inv_sqrt_bc2 = 1.f / std::sqrt(bc2);
  const int mode = weight_decay == 0.f ? 0 : (decoupled ? 2 : 1);
  parallel_for(n, kParallelGrain, [&](int64_t s, int64_t e) {
    if (mode == 0) adam_range<0>(p + s, g + s, m + s, v + s, e - s, lr, b1, b2, eps, step, inv_sqrt_bc2, 0.f);
    else if (mode == 1)
      adam_range<1>(p + s, g + s, m + s, v + s, e - s, lr, b1, b2, eps, step, inv_sqrt_bc2, weight_decay);
    else adam_range<2>(p + s, g + s, m + s, v + s, e - s, lr, b1, b2, eps, step, inv_sqrt_bc2, weight_decay);
  });
}

}  // namespace DG_ISA_NS
}  // namespace dg

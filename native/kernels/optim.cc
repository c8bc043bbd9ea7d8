// Fused optimizer updates: one pass over each parameter instead of a chain of elementwise ops.
#include <cmath>
#include "kernels.h"
#include "parallel.h"

namespace dg {

// Adam (Kingma & Ba 2015). bc1 = 1 - b1^t, bc2 = 1 - b2^t. weight_decay adds wd*p to the gradient (Adam) or decays
// the parameter directly (decoupled, AdamW).
void adam_step(float* p, const float* g, float* m, float* v, int64_t n, float lr, float b1, float b2, float eps,
               float bc1, float bc2, float weight_decay, bool decoupled) {
  const float step = lr / bc1, inv_sqrt_bc2 = 1.f / std::sqrt(bc2);
  parallel_for(n, kParallelGrain, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; i++) {
      float gi = g[i];
      if (weight_decay != 0.f) {
        if (decoupled) p[i] -= lr * weight_decay * p[i];
        else gi += weight_decay * p[i];
      }
      m[i] = b1 * m[i] + (1.f - b1) * gi;
      v[i] = b2 * v[i] + (1.f - b2) * gi * gi;
      p[i] -= step * m[i] / (std::sqrt(v[i]) * inv_sqrt_bc2 + eps);
    }
  });
}

}  // namespace dg

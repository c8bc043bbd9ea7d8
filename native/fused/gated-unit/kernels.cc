// Gated PixelCNN's gated unit tanh(a)·σ(b) in one vectorized pass each way over rows [a | b] of z = x (+ y), instead
// of two slicing copies, tanh, σ and a product (and their gradients), each a pass over the activations. The tail
// of a run goes through the same vector code on a padded copy, so a value's result does not depend on where it sits
// (and matches the tanh and σ unary kernels, which the cached sampler uses, bit for bit).
#include <algorithm>
#include <cstring>
#include "../../kernels/isa.h"
#include "../../kernels/parallel.h"
#include "../../kernels/vmath.h"
#include "gated-unit.h"

namespace dg {
namespace DG_ISA_NS {

namespace {

// Calls fn(row, j0, j1) for the runs of [R, M] that [b, e) of the flattened index covers.
template <class F>
inline void runs(int64_t M, int64_t b, int64_t e, F fn) {
  while (b < e) {
    const int64_t r = b / M, j0 = b - r * M, j1 = std::min(M, j0 + (e - b));
    fn(r, j0, j1);
    b += j1 - j0;
  }
}

// Loads n ≤ VW floats of p (+ q) into a vector, zeros beyond n.
inline vf load_part(const float* p, const float* q, int64_t n) {
  float buf[VW] = {0};
  std::memcpy(buf, p, n * sizeof(float));
  vf v = vload(buf);
  if (q) {
    float qb[VW] = {0};
    std::memcpy(qb, q, n * sizeof(float));
    v += vload(qb);
  }
  return v;
}
inline vf load_sum(const float* p, const float* q) { return q ? vload(p) + vload(q) : vload(p); }
inline void store_part(float* p, vf v, int64_t n) {
  float buf[VW];
  vstore(buf, v);
  std::memcpy(p, buf, n * sizeof(float));
}

// one run of a row: za, zb the a and b halves (ya, yb of y or null), j over [0, n)
void forward_run(const float* xa, const float* xb, const float* ya, const float* yb, float* out, int64_t n) {
  int64_t j = 0;
  for (; j + VW <= n; j += VW)
    vstore(out + j, vtanh(load_sum(xa + j, ya ? ya + j : nullptr)) * vsigmoid(load_sum(xb + j, yb ? yb + j : nullptr)));
  if (j < n) {
    const int64_t k = n - j;
    const vf a = load_part(xa + j, ya ? ya + j : nullptr, k), b = load_part(xb + j, yb ? yb + j : nullptr, k);
    store_part(out + j, vtanh(a) * vsigmoid(b), k);
  }
}

// ∂a = g·s·(1 − t²), ∂b = g·t·s·(1 − s)
inline void grads(vf a, vf b, vf g, vf& ga, vf& gb) {
  const vf t = vtanh(a), s = vsigmoid(b), gs = g * s;
  ga = gs * (1.f - t * t);
  gb = gs * t * (1.f - s);
}

void backward_run(const float* xa, const float* xb, const float* ya, const float* yb, const float* g, float* ga,
                  float* gb, int64_t n) {
  int64_t j = 0;
  vf da, db;
  for (; j + VW <= n; j += VW) {
    grads(load_sum(xa + j, ya ? ya + j : nullptr), load_sum(xb + j, yb ? yb + j : nullptr), vload(g + j), da, db);
    vstore(ga + j, da);
    vstore(gb + j, db);
  }
  if (j < n) {
    const int64_t k = n - j;
    grads(load_part(xa + j, ya ? ya + j : nullptr, k), load_part(xb + j, yb ? yb + j : nullptr, k),
          load_part(g + j, nullptr, k), da, db);
    store_part(ga + j, da, k);
    store_part(gb + j, db, k);
  }
}

}  // namespace

void gated_unit_forward(const float* x, const float* y, float* out, int64_t R, int64_t M) {
  parallel_for(R * M, kParallelGrain, [&](int64_t b, int64_t e) {
    runs(M, b, e, [&](int64_t r, int64_t j0, int64_t j1) {
      const int64_t a = r * 2 * M + j0;
      forward_run(x + a, x + a + M, y ? y + a : nullptr, y ? y + a + M : nullptr, out + r * M + j0, j1 - j0);
    });
  });
}

void gated_unit_backward(const float* x, const float* y, const float* g, float* gz, int64_t R, int64_t M) {
  parallel_for(R * M, kParallelGrain, [&](int64_t b, int64_t e) {
    runs(M, b, e, [&](int64_t r, int64_t j0, int64_t j1) {
      const int64_t a = r * 2 * M + j0;
      backward_run(x + a, x + a + M, y ? y + a : nullptr, y ? y + a + M : nullptr, g + r * M + j0, gz + a,
                   gz + a + M, j1 - j0);
    });
  });
}

}  // namespace DG_ISA_NS
}  // namespace dg

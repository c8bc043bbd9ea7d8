// NADE (Larochelle & Murray 2011) fused: the O(DH) recurrence a_{i+1} = a_i + W_i x_i with h_i = σ(a_i) and
// logit_i = b_i + V_i·h_i, for forward, backward and ancestral sampling. W and V are stored [D, H] (row i is the
// paper's column i), so each position reads two contiguous rows. Positions are the outer loop and batch rows the
// inner loop: W_i and V_i stay in L1 while the per-row states (B×H) stay in L2. Threads split the batch rows.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>
#include "../../kernels/isa.h"
#include "../../kernels/parallel.h"
#include "../../kernels/vmath.h"

namespace dg {
namespace DG_ISA_NS {

static inline float hsum(vf v) {
  float s = 0.f;
  for (int l = 0; l < VW; l++) s += v[l];
  return s;
}

// Σ_k σ(a_k)·v_k over H values, also storing h = σ(a) when asked (tail lanes through the same vector code on a
// zero-padded copy, so every element gets the same arithmetic)
template <bool STORE>
static inline float sigmoid_dot(const float* a, const float* v, float* h, int64_t H) {
  vf acc0 = {}, acc1 = {};
  int64_t k = 0;
  for (; k + 2 * VW <= H; k += 2 * VW) {
    vf h0 = vsigmoid_clamped(vload(a + k)), h1 = vsigmoid_clamped(vload(a + k + VW));
    if (STORE) { vstore(h + k, h0); vstore(h + k + VW, h1); }
    acc0 += h0 * vload(v + k);
    acc1 += h1 * vload(v + k + VW);
  }
  for (; k + VW <= H; k += VW) {
    vf hv = vsigmoid_clamped(vload(a + k));
    if (STORE) vstore(h + k, hv);
    acc0 += hv * vload(v + k);
  }
  if (k < H) {
    float ab[VW] = {0}, vb[VW] = {0}, hb[VW];
    std::memcpy(ab, a + k, (H - k) * 4);
    std::memcpy(vb, v + k, (H - k) * 4);
    vf hv = vsigmoid_clamped(vload(ab));
    if (STORE) { vstore(hb, hv); std::memcpy(h + k, hb, (H - k) * 4); }
    acc0 += hv * vload(vb);  // padded v is zero
  }
  return hsum(acc0 + acc1);
}

// a += x · w over H values (the recurrence's update when pixel i is on)
static inline void add_scaled(float* a, const float* w, float x, int64_t H) {
  for (int64_t k = 0; k < H; k++) a[k] += x * w[k];
}

template <class Rows>
static void split_rows(int64_t B, Rows fn) {
  int nt = std::max<int64_t>(1, std::min<int64_t>(get_threads(), B / 8));
  if (nt <= 1) { fn(0, B, 0); return; }
#pragma omp parallel num_threads(nt)
  {
    int t = omp_get_thread_num(), T = omp_get_num_threads();
    fn(B * t / T, B * (t + 1) / T, t);
  }
}

void nade_forward(const float* x, const float* W, const float* c, const float* V, const float* b, float* logits,
                  int64_t B, int64_t D, int64_t H) {
  split_rows(B, [&](int64_t r0, int64_t r1, int) {
    std::vector<float> A((r1 - r0) * H), h(H);
    for (int64_t r = r0; r < r1; r++) std::memcpy(A.data() + (r - r0) * H, c, H * 4);
    for (int64_t i = 0; i < D; i++) {
      const float *Wi = W + i * H, *Vi = V + i * H;
      for (int64_t r = r0; r < r1; r++) {
        float* a = A.data() + (r - r0) * H;
        logits[r * D + i] = b[i] + sigmoid_dot<false>(a, Vi, h.data(), H);
        if (x[r * D + i] != 0.f) add_scaled(a, Wi, x[r * D + i], H);
      }
    }
  });
}

void nade_backward(const float* x, const float* W, const float* c, const float* V, const float* gl, float* gx,
                   float* gW, float* gc, float* gV, float* gb, int64_t B, int64_t D, int64_t H) {
  int nt = std::max<int64_t>(1, std::min<int64_t>(get_threads(), B / 8));
  // per-thread partial gradients for W, V, c; thread 0 writes straight into the outputs
  std::vector<std::vector<float>> part(nt);
  std::fill(gW, gW + D * H, 0.f);
  std::fill(gV, gV + D * H, 0.f);
  std::fill(gc, gc + H, 0.f);
  for (int64_t i = 0; i < D; i++) gb[i] = 0.f;
  for (int64_t r = 0; r < B; r++) for (int64_t i = 0; i < D; i++) gb[i] += gl[r * D + i];
  split_rows(B, [&](int64_t r0, int64_t r1, int t) {
    float *pW = gW, *pV = gV, *pc = gc;
    if (t > 0) {
      part[t].assign(2 * D * H + H, 0.f);
      pW = part[t].data(); pV = pW + D * H; pc = pV + D * H;
    }
    const int64_t R = r1 - r0;
    std::vector<float> A(R * H), S(R * H, 0.f);
    // a_D = c + Σ_i W_i x_i, added in the forward pass's order
    for (int64_t r = r0; r < r1; r++) std::memcpy(A.data() + (r - r0) * H, c, H * 4);
    for (int64_t i = 0; i < D; i++)
      for (int64_t r = r0; r < r1; r++)
        if (x[r * D + i] != 0.f) add_scaled(A.data() + (r - r0) * H, W + i * H, x[r * D + i], H);
    for (int64_t i = D - 1; i >= 0; i--) {
      const float *Wi = W + i * H, *Vi = V + i * H;
      float *gWi = pW + i * H, *gVi = pV + i * H;
      for (int64_t r = r0; r < r1; r++) {
        float* a = A.data() + (r - r0) * H;
        float* s = S.data() + (r - r0) * H;
        const float xv = x[r * D + i];
        if (xv != 0.f) add_scaled(a, Wi, -xv, H);  // back to a_i
        const float g = gl[r * D + i];
        // one pass: h = σ(a_i); ∂V_i += g h; ∂x_i = W_i·S; ∂W_i += x_i S; S += g V_i h (1 − h)
        // (S before the update holds Σ_{k>i} ∂a_k, which is what W_i and x_i receive)
        const vf gv = vset1(g), xvv = vset1(xv);
        vf dacc = {};
        auto chunk = [&](const float* ap, const float* wp, const float* vp, float* gvp, float* gwp, float* sp) {
          vf hv = vsigmoid_clamped(vload(ap)), sv = vload(sp);
          vstore(gvp, vload(gvp) + gv * hv);
          dacc += vload(wp) * sv;
          if (xv != 0.f) vstore(gwp, vload(gwp) + xvv * sv);
          vstore(sp, sv + gv * vload(vp) * hv * (1.f - hv));
        };
        int64_t k = 0;
        for (; k + VW <= H; k += VW) chunk(a + k, Wi + k, Vi + k, gVi + k, gWi + k, s + k);
        if (k < H) {  // tail through padded copies, written back
          const int64_t n = H - k;
          float ab[VW] = {0}, wb[VW] = {0}, vb[VW] = {0}, gvb[VW] = {0}, gwb[VW] = {0}, sb[VW] = {0};
          std::memcpy(ab, a + k, n * 4); std::memcpy(wb, Wi + k, n * 4); std::memcpy(vb, Vi + k, n * 4);
          std::memcpy(gvb, gVi + k, n * 4); std::memcpy(gwb, gWi + k, n * 4); std::memcpy(sb, s + k, n * 4);
          chunk(ab, wb, vb, gvb, gwb, sb);
          std::memcpy(gVi + k, gvb, n * 4); std::memcpy(gWi + k, gwb, n * 4); std::memcpy(s + k, sb, n * 4);
        }
        if (gx) gx[r * D + i] = hsum(dacc);
      }
    }
    for (int64_t r = 0; r < R; r++) for (int64_t k = 0; k < H; k++) pc[k] += S[r * H + k];
  });
  for (int t = 1; t < nt; t++) {
    if (part[t].empty()) continue;
    const float* p = part[t].data();
    for (int64_t k = 0; k < D * H; k++) gW[k] += p[k];
    for (int64_t k = 0; k < D * H; k++) gV[k] += p[D * H + k];
    for (int64_t k = 0; k < H; k++) gc[k] += p[2 * D * H + k];
  }
}

void nade_sample(const float* W, const float* c, const float* V, const float* b, const float* u,
                 const uint8_t* observed, float* x, int64_t n, int64_t D, int64_t H) {
  split_rows(n, [&](int64_t r0, int64_t r1, int) {
    std::vector<float> A((r1 - r0) * H), h(H);
    for (int64_t r = r0; r < r1; r++) std::memcpy(A.data() + (r - r0) * H, c, H * 4);
    for (int64_t i = 0; i < D; i++) {
      const float *Wi = W + i * H, *Vi = V + i * H;
      for (int64_t r = r0; r < r1; r++) {
        float* a = A.data() + (r - r0) * H;
        if (!(observed && observed[i])) {
          const float logit = b[i] + sigmoid_dot<false>(a, Vi, h.data(), H);
          x[r * D + i] = u[r * D + i] < 1.f / (1.f + std::exp(-logit)) ? 1.f : 0.f;
        }
        if (x[r * D + i] != 0.f) add_scaled(a, Wi, x[r * D + i], H);
      }
    }
  });
}

}  // namespace DG_ISA_NS
}  // namespace dg

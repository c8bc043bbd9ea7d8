// An LSTM over T steps of lines of cells (rows or skewed diagonals of an image), fused: per step one GEMM for the
// state-to-state convolution (neighbours of h_{t−1} gathered tap-major, so each tap is one contiguous copy) added
// to the precomputed input-to-state gates, then the gates' σ/tanh and the cell update in one vectorized pass. The
// backward pass walks the steps downwards from the saved gates and cell states: one vectorized pass for the gate
// gradients, then two GEMMs (the weight gradient and the gradient sent to the previous step's states).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>
#include "../../kernels/isa.h"
#include "../../kernels/parallel.h"
#include "../../kernels/vmath.h"

namespace dg {
namespace DG_ISA_NS {

namespace {

struct Dims {
  int64_t N, S, H, K;
  int64_t M() const { return N * S; }
  int64_t HK() const { return H * K; }
};

// hin[m, k·H + j] = h[n, s + offsets[k], j] for m = n·S + s, zero outside the line
void gather(const float* h, const int32_t* offs, float* hin, const Dims& d) {
  const int64_t H = d.H;
  for (int64_t n = 0; n < d.N; n++)
    for (int64_t s = 0; s < d.S; s++)
      for (int64_t k = 0; k < d.K; k++) {
        float* dst = hin + ((n * d.S + s) * d.K + k) * H;
        const int64_t s2 = s + offs[k];
        if (s2 < 0 || s2 >= d.S) std::memset(dst, 0, H * 4);
        else std::memcpy(dst, h + (n * d.S + s2) * H, H * 4);
      }
}

// dh[n, s + offsets[k], j] = Σ_k dhin[n·S + s, k·H + j] (the transpose of gather)
void scatter(const float* dhin, const int32_t* offs, float* dh, const Dims& d) {
  const int64_t H = d.H;
  std::memset(dh, 0, d.M() * H * 4);
  for (int64_t n = 0; n < d.N; n++)
    for (int64_t s = 0; s < d.S; s++)
      for (int64_t k = 0; k < d.K; k++) {
        const int64_t s2 = s + offs[k];
        if (s2 < 0 || s2 >= d.S) continue;
        const float* src = dhin + ((n * d.S + s) * d.K + k) * H;
        float* dst = dh + (n * d.S + s2) * H;
        for (int64_t j = 0; j < H; j++) dst[j] += src[j];
      }
}

// W [G, H, K] ↔ tap-major [G, K, H]
void to_tap_major(const float* W, float* Wt, int64_t G, const Dims& d) {
  for (int64_t o = 0; o < G; o++)
    for (int64_t j = 0; j < d.H; j++)
      for (int64_t k = 0; k < d.K; k++) Wt[(o * d.K + k) * d.H + j] = W[(o * d.H + j) * d.K + k];
}

inline float sigmoid1(float x) { return 1.f / (1.f + std::exp(-x)); }

// rows per thread chunk: the cell work of a row is ~H transcendental evaluations per gate
int64_t row_grain(int64_t H) { return std::max<int64_t>(1, 4096 / std::max<int64_t>(1, H)); }

// one row of cells: a [4H] pre-activations → activations in place; c = f·cp + i·g (cp null: zero); h = o·tanh(c)
void cell_forward(float* a, const float* cp, float* c, float* h, int64_t H) {
  int64_t j = 0;
  for (; j + VW <= H; j += VW) {
    vf i = vsigmoid_clamped(vload(a + j)), f = vsigmoid_clamped(vload(a + H + j));
    vf g = vtanh(vload(a + 2 * H + j)), o = vsigmoid_clamped(vload(a + 3 * H + j));
    vf cv = i * g;
    if (cp) cv += f * vload(cp + j);
    vstore(a + j, i); vstore(a + H + j, f); vstore(a + 2 * H + j, g); vstore(a + 3 * H + j, o);
    vstore(c + j, cv);
    vstore(h + j, o * vtanh(cv));
  }
  for (; j < H; j++) {
    float i = sigmoid1(a[j]), f = sigmoid1(a[H + j]), g = std::tanh(a[2 * H + j]), o = sigmoid1(a[3 * H + j]);
    float cv = i * g + (cp ? f * cp[j] : 0.f);
    a[j] = i; a[H + j] = f; a[2 * H + j] = g; a[3 * H + j] = o;
    c[j] = cv;
    h[j] = o * std::tanh(cv);
  }
}

// one row backwards: dh = gy + dh (from the next step), dc (in: from the next step, out: to the previous one)
void cell_backward(const float* act, const float* c, const float* cp, const float* gy, const float* dh, float* dc,
                   float* da, int64_t H) {
  int64_t j = 0;
  const vf one = vset1(1.f);
  for (; j + VW <= H; j += VW) {
    vf i = vload(act + j), f = vload(act + H + j), g = vload(act + 2 * H + j), o = vload(act + 3 * H + j);
    vf tc = vtanh(vload(c + j)), dhv = vload(gy + j) + vload(dh + j);
    vf dcv = vload(dc + j) + dhv * o * (one - tc * tc);
    vf cpv = cp ? vload(cp + j) : vf{};
    vstore(da + j, dcv * g * i * (one - i));
    vstore(da + H + j, dcv * cpv * f * (one - f));
    vstore(da + 2 * H + j, dcv * i * (one - g * g));
    vstore(da + 3 * H + j, dhv * tc * o * (one - o));
    vstore(dc + j, dcv * f);
  }
  for (; j < H; j++) {
    float i = act[j], f = act[H + j], g = act[2 * H + j], o = act[3 * H + j];
    float tc = std::tanh(c[j]), dhv = gy[j] + dh[j];
    float dcv = dc[j] + dhv * o * (1.f - tc * tc);
    float cpv = cp ? cp[j] : 0.f;
    da[j] = dcv * g * i * (1.f - i);
    da[H + j] = dcv * cpv * f * (1.f - f);
    da[2 * H + j] = dcv * i * (1.f - g * g);
    da[3 * H + j] = dhv * tc * o * (1.f - o);
    dc[j] = dcv * f;
  }
}

// Strides [t, n, s, c] of a contiguous tensor in a layout with C channels:
// 0 [T, N, S, C], 1 [N, C, T, S], 2 [N, C, S, T]
struct Layout {
  int64_t t, n, s, c;
  Layout(int code, int64_t T, int64_t N, int64_t S, int64_t C) {
    if (code == 0) { t = N * S * C; n = S * C; s = C; c = 1; }
    else if (code == 1) { t = S; n = C * T * S; s = 1; c = T * S; }
    else { t = 1; n = C * S * T; s = T; c = S * T; }
  }
};

// step t of x (C channels, in layout L) ↔ a contiguous [M, C] block; the inner loop runs along whichever of s and c
// is contiguous in the layout (for an NCHW map: copies of one channel's row)
template <bool LOAD>
void move_step(float* x, const Layout& L, int64_t t, float* block, const Dims& d, int64_t C) {
  for (int64_t n = 0; n < d.N; n++) {
    float* xn = x + t * L.t + n * L.n;
    float* bn = block + n * d.S * C;
    if (L.c == 1) {
      for (int64_t s = 0; s < d.S; s++)
        for (int64_t c = 0; c < C; c++) {
          if (LOAD) bn[s * C + c] = xn[s * L.s + c];
          else xn[s * L.s + c] = bn[s * C + c];
        }
    } else {
      for (int64_t c = 0; c < C; c++)
        for (int64_t s = 0; s < d.S; s++) {
          if (LOAD) bn[s * C + c] = xn[c * L.c + s * L.s];
          else xn[c * L.c + s * L.s] = bn[s * C + c];
        }
    }
  }
}

}  // namespace

// The images of the batch are independent: the state-to-state convolution runs along a line within one image. So
// threads take whole images [n0, n1) and run every step for them, one parallel region for the whole scan, where
// splitting each step's small products and cells (a Row LSTM's: 448 rows x 128 gates x 96, 1.1e7 flops) between
// threads left the products on one thread and cost a region per step. One image (or one thread): the steps' products
// may use every thread instead.
struct Part {
  int64_t n0, n1;
  int threads;  // for the products and cells inside the part
};

// how many parts a batch of N images is split into: one per thread, at most one per image
int part_count(int64_t N) { return int(std::max<int64_t>(1, std::min<int64_t>(get_threads(), N))); }

// fn(part, index) for each of the part_count(N) parts
template <class F>
void for_parts(int64_t N, F fn) {
  const int nt = part_count(N);
  if (nt == 1) return fn(Part{0, N, get_threads()}, 0);
#pragma omp parallel num_threads(nt)
  {
    const int t = omp_get_thread_num(), T = omp_get_num_threads();
    fn(Part{N * t / T, N * (t + 1) / T, 1}, t);
  }
}

// fn(b, e) over rows [0, n): split between threads only when the part has them
template <class F>
void for_rows(const Part& p, int64_t n, int64_t grain, F fn) {
  if (p.threads > 1) parallel_for(n, grain, fn);
  else fn(int64_t(0), n);
}

void lstm_scan_forward(const float* gx, const float* W, const int32_t* offs, float* hs, float* acts, float* cs,
                       int64_t T, int64_t N, int64_t S, int64_t H, int64_t K, int layout) {
  const Dims full{N, S, H, K};
  const int64_t M = full.M(), G = 4 * H, HK = full.HK();
  const Layout Lg(layout, T, N, S, G), Lh(layout, T, N, S, H);
  const bool direct = layout == 0;  // the steps' [M, C] blocks are slices of gx and hs
  std::vector<float> Wt(G * HK);
  to_tap_major(W, Wt.data(), G, full);
  for_parts(N, [&](const Part& p, int) {
    // the part's rows of step t start at row r0 of its [M, C] block; in gx and hs (other layouts) at image n0
    const Dims d{p.n1 - p.n0, S, H, K};
    const int64_t Mp = d.M(), r0 = p.n0 * S;
    std::vector<float> hin(Mp * HK), hbuf(direct ? 0 : 2 * Mp * H);
    float* gxp = const_cast<float*>(gx) + p.n0 * Lg.n;
    float* hsp = hs + p.n0 * Lh.n;
    for (int64_t t = 0; t < T; t++) {
      float* a = acts + t * M * G + r0 * G;  // the gates are built in place of their activations
      if (direct) std::memcpy(a, gx + t * M * G + r0 * G, Mp * G * 4);
      else move_step<true>(gxp, Lg, t, a, d, G);
      float* h = direct ? hs + t * M * H + r0 * H : hbuf.data() + (t % 2) * Mp * H;
      const float* hprev =
          direct ? hs + std::max<int64_t>(t - 1, 0) * M * H + r0 * H : hbuf.data() + ((t + 1) % 2) * Mp * H;
      if (t > 0 && HK > 0) {
        gather(hprev, offs, hin.data(), d);
        sgemm(Mp, G, HK, 1.f, hin.data(), HK, false, Wt.data(), HK, true, 1.f, a, G, p.threads);
      }
      const float* cprev = t > 0 ? cs + (t - 1) * M * H + r0 * H : nullptr;
      float* c = cs + t * M * H + r0 * H;
      for_rows(p, Mp, row_grain(H), [&](int64_t b, int64_t e) {
        for (int64_t m = b; m < e; m++)
          cell_forward(a + m * G, cprev ? cprev + m * H : nullptr, c + m * H, h + m * H, H);
      });
      if (!direct) move_step<false>(hsp, Lh, t, h, d, H);
    }
  });
}

void lstm_scan_backward(const float* gy, const float* W, const int32_t* offs, const float* hs, const float* acts,
                        const float* cs, float* dgx, float* dW, int64_t T, int64_t N, int64_t S, int64_t H,
                        int64_t K, int layout) {
  const Dims full{N, S, H, K};
  const int64_t M = full.M(), G = 4 * H, HK = full.HK();
  const Layout Lg(layout, T, N, S, G), Lh(layout, T, N, S, H);
  const bool direct = layout == 0;
  std::vector<float> Wt(G * HK);
  to_tap_major(W, Wt.data(), G, full);
  // each part's weight gradient (tap-major), added in part order at the end
  std::vector<std::vector<float>> dWparts(part_count(N));
  for_parts(N, [&](const Part& p, int part) {
    const Dims d{p.n1 - p.n0, S, H, K};
    const int64_t Mp = d.M(), r0 = p.n0 * S;
    std::vector<float>& dWt = dWparts[part];
    dWt.assign(G * HK, 0.f);
    std::vector<float> hin(Mp * HK), dhin(Mp * HK), dh(Mp * H, 0.f), dc(Mp * H, 0.f);
    std::vector<float> gbuf(direct ? 0 : Mp * H), hbuf(direct ? 0 : Mp * H), dabuf(direct ? 0 : Mp * G);
    float* gyp = const_cast<float*>(gy) + p.n0 * Lh.n;
    float* hsp = const_cast<float*>(hs) + p.n0 * Lh.n;
    float* dgxp = dgx + p.n0 * Lg.n;
    for (int64_t t = T - 1; t >= 0; t--) {
      const float* act = acts + t * M * G + r0 * G;
      const float *c = cs + t * M * H + r0 * H, *cprev = t > 0 ? cs + (t - 1) * M * H + r0 * H : nullptr;
      const float* g = gy + t * M * H + r0 * H;
      if (!direct) { move_step<true>(gyp, Lh, t, gbuf.data(), d, H); g = gbuf.data(); }
      float* da = direct ? dgx + t * M * G + r0 * G : dabuf.data();
      for_rows(p, Mp, row_grain(H), [&](int64_t b, int64_t e) {
        for (int64_t m = b; m < e; m++)
          cell_backward(act + m * G, c + m * H, cprev ? cprev + m * H : nullptr, g + m * H, dh.data() + m * H,
                        dc.data() + m * H, da + m * G, H);
      });
      if (!direct) move_step<false>(dgxp, Lg, t, da, d, G);
      if (t == 0 || HK == 0) continue;
      const float* hprev = hs + (t - 1) * M * H + r0 * H;
      if (!direct) { move_step<true>(hsp, Lh, t - 1, hbuf.data(), d, H); hprev = hbuf.data(); }
      gather(hprev, offs, hin.data(), d);
      sgemm(G, HK, Mp, 1.f, da, G, true, hin.data(), HK, false, 1.f, dWt.data(), HK, p.threads);
      sgemm(Mp, HK, G, 1.f, da, G, false, Wt.data(), HK, false, 0.f, dhin.data(), HK, p.threads);
      scatter(dhin.data(), offs, dh.data(), d);
    }
  });
  std::vector<float>& dWt = dWparts[0];
  for (size_t q = 1; q < dWparts.size(); q++)  // (a part the runtime gave no thread stays empty)
    for (int64_t i = 0; i < int64_t(dWparts[q].size()); i++) dWt[i] += dWparts[q][i];
  for (int64_t o = 0; o < G; o++)
    for (int64_t j = 0; j < H; j++)
      for (int64_t k = 0; k < K; k++) dW[(o * H + j) * K + k] = dWt[(o * K + k) * H + j];
}

}  // namespace DG_ISA_NS
}  // namespace dg

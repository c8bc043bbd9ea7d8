// The IWAE-k estimator (Burda et al. 2016) fused: each thread takes a block of sample rows at a time, draws their
// normals, forms z = μ + σ·ε and log p(z) − log q(z|x), runs the whole decoder on the block with single-threaded
// GEMMs and adds log p(x|z) (−Σ BCE with logits) while the block's logits are still in cache; the per-image
// log-mean-exp follows in float64. One parallel region for everything: no fork/join per layer, no tensor per op.
// The normals come from a vectorized Box–Muller transform of Philox4x32-10 blocks (../../kernels/philox-vec.h,
// integer arithmetic identical to src/tensor/rng.ts); the layout in groups of 16 blocks is the same on every
// instruction set, so every vector width draws the same numbers.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>
#include "../../kernels/isa.h"
#include "../../kernels/parallel.h"
#include "../../kernels/philox-vec.h"
#include "../../kernels/simd.h"
#include "../../kernels/vmath.h"
#include "iwae.h"

namespace dg {
namespace DG_ISA_NS {

constexpr int kGroupBlocks = 16;                // Philox blocks per group of the stream's layout
constexpr int kGroupNormals = 4 * kGroupBlocks;  // normals per group
static_assert(kGroupBlocks % VW == 0, "a group is a whole number of vectors");

static inline vf vsqrt(vf x) {
  for (int j = 0; j < VW; j++) x[j] = std::sqrt(x[j]);
  return x;
}

// Box–Muller on one pair of words per lane. Radius from bits 1–31 of u: p = (u₃₁ + ½)·2⁻³¹ ∈ (0, 1],
// r = √(−2 ln p) (largest 6.66); angle θ = π/4 + t, t ∈ (−π/4, π/4) from bits 8–31 of v, sin and cos of t
// by Taylor polynomials (error below 2e-9 there); bit 0 of u and of v give the signs of the two normals,
// which reflects θ into all four quadrants (the distribution of (r cos θ, r sin θ) is symmetric, so the
// normals stay independent).
static inline void box_muller(vu u, vu v, vf& a, vf& b) {
  const vf p = ((__builtin_convertvector((vi)(u >> 1), vf)) + 0.5f) * 4.656612873077393e-10f;
  const vf r = vsqrt(-2.f * vlog(p)) * 0.70710678118654752f;  // the 1/√2 of the rotation by π/4 folded in
  const vf t = ((__builtin_convertvector((vi)(v >> 8), vf)) + 0.5f) * 9.3626757e-8f - 0.78539816339744831f;
  const vf t2 = t * t;
  const vf s = t * (1.f + t2 * (-1.f / 6 + t2 * (1.f / 120 + t2 * (-1.f / 5040 + t2 * (1.f / 362880)))));
  const vf c = 1.f + t2 * (-0.5f + t2 * (1.f / 24 + t2 * (-1.f / 720 + t2 * (1.f / 40320 + t2 * (-1.f / 3628800)))));
  a = (vf)((vi)(r * (c - s)) ^ (vi)(u << 31));
  b = (vf)((vi)(r * (c + s)) ^ (vi)(v << 31));
}

// the 64 normals of group g, in stream order
static void normal_group(uint32_t k0, uint32_t k1, uint64_t counter, int64_t g, float* out) {
  for (int j = 0; j < kGroupBlocks; j += VW) {
    vu c0, c1, c2, c3;
    philox_vec(counter + uint64_t(g) * kGroupBlocks + j, k0, k1, c0, c1, c2, c3);
    vf n0, n1, n2, n3;
    box_muller(c0, c1, n0, n1);
    box_muller(c2, c3, n2, n3);
    vstore(out + j, n0);
    vstore(out + kGroupBlocks + j, n1);
    vstore(out + 2 * kGroupBlocks + j, n2);
    vstore(out + 3 * kGroupBlocks + j, n3);
  }
}

void normal_fill(uint32_t k0, uint32_t k1, uint64_t counter, int64_t offset, int64_t n, float* out) {
  float buf[kGroupNormals];
  int64_t i = offset, end = offset + n;
  while (i < end) {
    const int64_t g = i / kGroupNormals, g0 = g * kGroupNormals;
    if (i == g0 && end - i >= kGroupNormals) {
      normal_group(k0, k1, counter, g, out + (i - offset));
      i += kGroupNormals;
      continue;
    }
    normal_group(k0, k1, counter, g, buf);  // a partial group at either end
    const int64_t take = std::min(end, g0 + kGroupNormals) - i;
    std::memcpy(out + (i - offset), buf + (i - g0), take * sizeof(float));
    i += take;
  }
}

// Σ_i softplus(a_i) − x_i·a_i with a = l + bias (bias may be null): −log p(x|z) of one row of Bernoulli logits
static inline double bce_row(const float* l, const float* bias, const float* x, int64_t D) {
  vf acc0 = {}, acc1 = {};
  int64_t i = 0;
  for (; i + 2 * VW <= D; i += 2 * VW) {
    vf a = vload(l + i), b = vload(l + i + VW);
    if (bias) { a += vload(bias + i); b += vload(bias + i + VW); }
    acc0 += vsoftplus(a) - vload(x + i) * a;
    acc1 += vsoftplus(b) - vload(x + i + VW) * b;
  }
  for (; i + VW <= D; i += VW) {
    vf a = vload(l + i);
    if (bias) a += vload(bias + i);
    acc0 += vsoftplus(a) - vload(x + i) * a;
  }
  acc0 += acc1;
  double s = 0;
  for (int j = 0; j < VW; j++) s += acc0[j];
  for (; i < D; i++) {
    const float a = l[i] + (bias ? bias[i] : 0.f);
    s += std::max(a, 0.f) + std::log1p(std::exp(-std::fabs(a))) - x[i] * a;
  }
  return s;
}

// h = act(h + bias) over the rows of a [n, H] block, in place (bias may be null)
static void bias_act(float* h, const float* bias, int64_t n, int64_t H, int act) {
  for (int64_t r = 0; r < n; r++) {
    float* row = h + r * H;
    if (bias)
      for (int64_t i = 0; i < H; i++) row[i] += bias[i];
    if (act == 0) vmap(row, row, H, [](vf v) { return vtanh(v); });
    else vmap(row, row, H, [](vf v) { return vmax(v, vf{}); });
  }
}

struct Decoder {
  int64_t nLayers;
  const int64_t* sizes;
  const float* const* weights;
  const float* const* biases;
  int act;
};

// logits [n, D] of z [n, L] through the decoder on this thread, without the last layer's bias (bce_row adds it);
// h0, h1 hold the hidden layers
static void decode_block(const Decoder& d, const float* z, int64_t n, float* h0, float* h1, float* logits) {
  const float* in = z;
  for (int64_t i = 0; i < d.nLayers; i++) {
    const int64_t nin = d.sizes[i], nout = d.sizes[i + 1];
    const bool last = i == d.nLayers - 1;
    float* out = last ? logits : (i % 2 == 0 ? h0 : h1);
    sgemm(n, nout, nin, 1.f, in, nin, false, d.weights[i], nin, true, 0.f, out, nout, 1);
    if (!last) bias_act(out, d.biases[i], n, nout, d.act);
    in = out;
  }
}

// log (1/k) Σ_j exp(v_j), stable
static double log_mean_exp(const double* v, int64_t k) {
  double m = -INFINITY;
  for (int64_t j = 0; j < k; j++) m = std::max(m, v[j]);
  if (m == -INFINITY) return m;
  double s = 0;
  for (int64_t j = 0; j < k; j++) s += std::exp(v[j] - m);
  return m + std::log(s / double(k));
}

void iwae_estimate(const float* x, const float* mu, const float* logsd, int64_t B, int64_t D, int64_t L, int64_t k,
                   int64_t nLayers, const int64_t* sizes, const float* const* weights, const float* const* biases,
                   int act, uint32_t k0, uint32_t k1, uint64_t counter, int64_t rows, double* logp) {
  const Decoder dec{nLayers, sizes, weights, biases, act};
  int64_t maxH = 1;
  for (int64_t i = 1; i < nLayers; i++) maxH = std::max(maxH, sizes[i]);
  const int64_t total = B * k, nBlocks = (total + rows - 1) / rows;
  std::vector<double> lw(total);
  std::vector<float> sd(B * L);
  std::vector<double> sumLogsd(B, 0.0);
  for (int64_t b = 0; b < B; b++)
    for (int64_t j = 0; j < L; j++) {
      sd[b * L + j] = std::exp(logsd[b * L + j]);
      sumLogsd[b] += logsd[b * L + j];
    }
  const int nt = int(std::max<int64_t>(1, std::min<int64_t>(get_threads(), nBlocks)));
#pragma omp parallel num_threads(nt)
  {
    std::vector<float> eps(rows * L), z(rows * L), h0(rows * maxH), h1(rows * maxH), logits(rows * D);
#pragma omp for schedule(dynamic, 1)
    for (int64_t blk = 0; blk < nBlocks; blk++) {
      const int64_t g0 = blk * rows, n = std::min(rows, total - g0);
      normal_fill(k0, k1, counter, g0 * L, n * L, eps.data());
      // z = μ + σ·ε; log p(z) − log q(z|x) = Σ_l (½ε² − ½z² + log σ) (the ½ log 2π terms cancel)
      for (int64_t r = 0; r < n; r++) {
        const int64_t b = (g0 + r) / k;
        const float *m = mu + b * L, *s = sd.data() + b * L, *e = eps.data() + r * L;
        float* zr = z.data() + r * L;
        float acc = 0.f;
        for (int64_t j = 0; j < L; j++) {
          zr[j] = m[j] + s[j] * e[j];
          acc += e[j] * e[j] - zr[j] * zr[j];
        }
        lw[g0 + r] = sumLogsd[b] + 0.5 * double(acc);
      }
      decode_block(dec, z.data(), n, h0.data(), h1.data(), logits.data());
      for (int64_t r = 0; r < n; r++) {
        const int64_t b = (g0 + r) / k;
        lw[g0 + r] -= bce_row(logits.data() + r * D, biases[nLayers - 1], x + b * D, D);
      }
    }
#pragma omp for schedule(static)
    for (int64_t b = 0; b < B; b++) logp[b] = log_mean_exp(lw.data() + b * k, k);
  }
}

}  // namespace DG_ISA_NS
}  // namespace dg

// Batch normalisation (Ioffe & Szegedy 2015) in training mode as two passes over the data each way, instead of the
// ten-odd elementwise ops and reductions (each a pass and a fresh buffer) it takes when written with tensor ops.
// Per channel c over its M = N·S values: mean, biased variance, y = x·scale + shift with scale = w/√(var + eps);
// backward: Σgy and Σgy·(x − mean) in one pass, then
// gx = scale·(gy − Σgy/M − (x − mean)·Σgy(x − mean)/(M·(var + eps))).
// Channel sums are accumulated in double (M reaches 10^5 on large batches). Threads split the channels.
#include <cmath>
#include <vector>
#include "../../kernels/isa.h"
#include "../../kernels/parallel.h"
#include "../../kernels/simd.h"
#include "batch-norm.h"

namespace dg {
namespace DG_ISA_NS {

namespace {

// Σ p[i] and Σ (p[i] − m)·q[i] (q = p when null) over n contiguous floats, in float vectors added into doubles.
inline void row_sums(const float* p, const float* q, float m, int64_t n, double& s1, double& s2) {
  vf a{}, b{};
  const vf mv = vset1(m);
  int64_t i = 0;
  for (; i + VW <= n; i += VW) {
    const vf v = vload(p + i), d = (q ? vload(q + i) : v) - mv;
    a += v;
    b += q ? v * d : d * d;
  }
  float fa = 0.f, fb = 0.f;
  for (int l = 0; l < VW; l++) fa += a[l], fb += b[l];
  for (; i < n; i++) {
    const float d = (q ? q[i] : p[i]) - m;
    fa += p[i];
    fb += q ? p[i] * d : d * d;
  }
  s1 += fa;
  s2 += fb;
}

// out[i] = x[i]·a + gy[i]·g + c over n floats (gy may be null: g unused).
inline void affine_rows(const float* x, const float* gy, float* out, int64_t n, float a, float g, float c) {
  const vf av = vset1(a), gv = vset1(g), cv = vset1(c);
  int64_t i = 0;
  for (; i + VW <= n; i += VW) {
    vf v = vload(x + i) * av + cv;
    if (gy) v += vload(gy + i) * gv;
    vstore(out + i, v);
  }
  for (; i < n; i++) out[i] = x[i] * a + (gy ? gy[i] * g : 0.f) + c;
}

// Runs fn(c0, c1) over channel ranges: threads when the tensor is large, each channel's data read by one thread.
template <class F>
void over_channels(int64_t C, int64_t total, F fn) {
  const int64_t grain = std::max<int64_t>(1, C * kParallelGrain / std::max<int64_t>(1, total));
  parallel_for(C, grain, fn);
}

// The backward pass of [N, C] inputs (S = 1) for channels [c0, c1), walking rows (a range's channels are contiguous).
void backward_rows(const float* x, const float* w, const float* mean, const float* var, const float* gy, float* gx,
                   float* gw, float* gb, int64_t N, int64_t C, int64_t c0, int64_t c1, float eps) {
  const int64_t R = c1 - c0;
  const double M = double(N);
  std::vector<double> sg(R, 0.0), sgx(R, 0.0);
  for (int64_t n = 0; n < N; n++)
    for (int64_t c = c0; c < c1; c++) {
      const double g = gy[n * C + c];
      sg[c - c0] += g;
      sgx[c - c0] += g * (double(x[n * C + c]) - mean[c]);
    }
  std::vector<float> kg(R), kx(R), k0(R);
  for (int64_t c = c0; c < c1; c++) {
    const double inv = 1.0 / std::sqrt(double(var[c]) + eps), scale = (w ? w[c] : 1.0) * inv,
                 x1 = -scale * inv * inv * sgx[c - c0] / M;
    if (gb) gb[c] = float(sg[c - c0]);
    if (gw) gw[c] = float(sgx[c - c0] * inv);
    kg[c - c0] = float(scale), kx[c - c0] = float(x1), k0[c - c0] = float(-scale * sg[c - c0] / M - x1 * mean[c]);
  }
  if (!gx) return;
  for (int64_t n = 0; n < N; n++)
    for (int64_t c = c0; c < c1; c++)
      gx[n * C + c] = x[n * C + c] * kx[c - c0] + gy[n * C + c] * kg[c - c0] + k0[c - c0];
}

}  // namespace

void batch_norm_forward(const float* x, const float* w, const float* b, float* y, float* mean, float* var, int64_t N,
                        int64_t C, int64_t S, float eps) {
  const double M = double(N * S);
  over_channels(C, N * C * S, [&](int64_t c0, int64_t c1) {
    if (S == 1) {
      // [N, C]: a range's channels are contiguous within each row, so the sums walk the rows
      std::vector<double> s(c1 - c0, 0.0);
      for (int64_t n = 0; n < N; n++)
        for (int64_t c = c0; c < c1; c++) s[c - c0] += x[n * C + c];
      for (int64_t c = c0; c < c1; c++) mean[c] = float(s[c - c0] / M), s[c - c0] = 0.0;
      for (int64_t n = 0; n < N; n++)
        for (int64_t c = c0; c < c1; c++) {
          const double d = double(x[n * C + c]) - mean[c];
          s[c - c0] += d * d;
        }
      for (int64_t c = c0; c < c1; c++) var[c] = float(s[c - c0] / M);
    } else {
      for (int64_t pass = 0; pass < 2; pass++)
        for (int64_t c = c0; c < c1; c++) {
          double a = 0.0, q = 0.0;
          const float m = pass ? mean[c] : 0.f;
          for (int64_t n = 0; n < N; n++) row_sums(x + (n * C + c) * S, nullptr, m, S, a, q);
          if (!pass) mean[c] = float(a / M);
          else var[c] = float(q / M);  // Σ(x − mean)² on the second pass: no cancellation
        }
    }
    std::vector<float> scale(c1 - c0), shift(c1 - c0);
    for (int64_t c = c0; c < c1; c++) {
      scale[c - c0] = (w ? w[c] : 1.f) / std::sqrt(var[c] + eps);
      shift[c - c0] = (b ? b[c] : 0.f) - mean[c] * scale[c - c0];
    }
    if (S == 1)
      for (int64_t n = 0; n < N; n++)
        for (int64_t c = c0; c < c1; c++) y[n * C + c] = x[n * C + c] * scale[c - c0] + shift[c - c0];
    else
      for (int64_t c = c0; c < c1; c++)
        for (int64_t n = 0; n < N; n++)
          affine_rows(x + (n * C + c) * S, nullptr, y + (n * C + c) * S, S, scale[c - c0], 0.f, shift[c - c0]);
  });
}

void batch_norm_backward(const float* x, const float* w, const float* mean, const float* var, const float* gy,
                         float* gx, float* gw, float* gb, int64_t N, int64_t C, int64_t S, float eps) {
  const double M = double(N * S);
  over_channels(C, N * C * S, [&](int64_t c0, int64_t c1) {
    if (S == 1) {
      backward_rows(x, w, mean, var, gy, gx, gw, gb, N, C, c0, c1, eps);
      return;
    }
    for (int64_t c = c0; c < c1; c++) {
      double sg = 0.0, sgx = 0.0;  // Σ gy, Σ gy·(x − mean)
      const float m = mean[c];
      for (int64_t n = 0; n < N; n++) row_sums(gy + (n * C + c) * S, x + (n * C + c) * S, m, S, sg, sgx);
      const double inv = 1.0 / std::sqrt(double(var[c]) + eps);
      if (gb) gb[c] = float(sg);
      if (gw) gw[c] = float(sgx * inv);
      if (!gx) continue;
      // gx = scale·gy + kx·x + k0 with kx = −scale·inv²·Σgy(x−mean)/M, k0 = −scale·Σgy/M − kx·mean
      const double scale = (w ? w[c] : 1.0) * inv, kx = -scale * inv * inv * sgx / M, k0 = -scale * sg / M - kx * m;
      for (int64_t n = 0; n < N; n++)
        affine_rows(x + (n * C + c) * S, gy + (n * C + c) * S, gx + (n * C + c) * S, S, float(kx), float(scale),
                    float(k0));
    }
  });
}

}  // namespace DG_ISA_NS
}  // namespace dg

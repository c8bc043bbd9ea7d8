// Batch normalisation (Ioffe & Szegedy 2015) in training mode as two passes over the data each way, instead of the
// ten-odd elementwise ops and reductions (each a pass and a fresh buffer) it takes when written with tensor ops.
// Per channel c over its M = N·S values: mean, biased variance, y = act(x·scale + shift), scale = w/√(var + eps),
// and act none, ReLU or leaky ReLU (the layer's activation, applied as the output is written);
// backward: gz = gy·act'(y) from the output's sign, Σgz and Σgz·(x − mean) in one pass, then
// gx = scale·(gz − Σgz/M − (x − mean)·Σgz(x − mean)/(M·(var + eps))).
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

// act(v) as the relu and leakyRelu ops compute it (ReLU: NaN and -0 give 0).
template <int A>
inline vf activate(vf v, vf slope) {
  if constexpr (A == kBnRelu) return vmax(v, vf{});
  else if constexpr (A == kBnLeaky) return v > vf{} ? v : v * slope;
  else return v;
}
template <int A>
inline float activate(float v, float slope) {
  if constexpr (A == kBnRelu) return v > 0.f ? v : 0.f;
  else if constexpr (A == kBnLeaky) return v > 0.f ? v : v * slope;
  else return v;
}

// gy·act'(·) read from the output y: 1 where y > 0, else 0 (ReLU) or slope (leaky ReLU); gy itself without act.
template <int A>
inline vf masked(vf g, vf y, vf slope) {
  if constexpr (A == kBnRelu) return y > vf{} ? g : vf{};
  else if constexpr (A == kBnLeaky) return y > vf{} ? g : g * slope;
  else return g;
}
template <int A>
inline float masked(float g, float y, float slope) {
  if constexpr (A == kBnRelu) return y > 0.f ? g : 0.f;
  else if constexpr (A == kBnLeaky) return y > 0.f ? g : g * slope;
  else return g;
}

// Σ p[i] and Σ (p[i] − m)² over n contiguous floats, in float vectors added into doubles.
inline void row_moments(const float* p, float m, int64_t n, double& s1, double& s2) {
  vf a{}, b{};
  const vf mv = vset1(m);
  int64_t i = 0;
  for (; i + VW <= n; i += VW) {
    const vf v = vload(p + i), d = v - mv;
    a += v;
    b += d * d;
  }
  float fa = 0.f, fb = 0.f;
  for (int l = 0; l < VW; l++) fa += a[l], fb += b[l];
  for (; i < n; i++) fa += p[i], fb += (p[i] - m) * (p[i] - m);
  s1 += fa;
  s2 += fb;
}

// Σ gz[i] and Σ gz[i]·(x[i] − m) with gz = gy masked by the output y's sign (y unread without act); gz is also
// stored to `out` when given.
template <int A>
inline void grad_sums(const float* gy, const float* y, const float* x, float m, float slope, int64_t n, double& s1,
                      double& s2, float* out) {
  vf a{}, b{};
  const vf mv = vset1(m), sv = vset1(slope);
  int64_t i = 0;
  for (; i + VW <= n; i += VW) {
    const vf g = masked<A>(vload(gy + i), A ? vload(y + i) : vf{}, sv);
    if (out) vstore(out + i, g);
    a += g;
    b += g * (vload(x + i) - mv);
  }
  float fa = 0.f, fb = 0.f;
  for (int l = 0; l < VW; l++) fa += a[l], fb += b[l];
  for (; i < n; i++) {
    const float g = masked<A>(gy[i], A ? y[i] : 0.f, slope);
    if (out) out[i] = g;
    fa += g;
    fb += g * (x[i] - m);
  }
  s1 += fa;
  s2 += fb;
}

// y[i] = act(x[i]·a + c) over n floats.
template <int A>
inline void normalise_row(const float* x, float* y, int64_t n, float a, float c, float slope) {
  const vf av = vset1(a), cv = vset1(c), sv = vset1(slope);
  int64_t i = 0;
  for (; i + VW <= n; i += VW) vstore(y + i, activate<A>(vload(x + i) * av + cv, sv));
  for (; i < n; i++) y[i] = activate<A>(x[i] * a + c, slope);
}

// gx[i] = x[i]·a + gz[i]·g + c over n floats, gz = gy masked by the output y's sign.
template <int A>
inline void grad_row(const float* x, const float* gy, const float* y, float* gx, int64_t n, float a, float g, float c,
                     float slope) {
  const vf av = vset1(a), gv = vset1(g), cv = vset1(c), sv = vset1(slope);
  int64_t i = 0;
  for (; i + VW <= n; i += VW)
    vstore(gx + i, vload(x + i) * av + masked<A>(vload(gy + i), A ? vload(y + i) : vf{}, sv) * gv + cv);
  for (; i < n; i++) gx[i] = x[i] * a + masked<A>(gy[i], A ? y[i] : 0.f, slope) * g + c;
}

// Runs fn(c0, c1) over channel ranges: threads when the tensor is large, each channel's data read by one thread.
template <class F>
void over_channels(int64_t C, int64_t total, F fn) {
  const int64_t grain = std::max<int64_t>(1, C * kParallelGrain / std::max<int64_t>(1, total));
  parallel_for(C, grain, fn);
}

// From the sums Σgz and Σgz·(x − mean) of channels [c0, c1): the weight and bias gradients, and per channel the
// coefficients of gx = kg·gz + kx·x + k0: kg = scale, kx = −scale·inv²·Σgz(x−mean)/M,
// k0 = −scale·Σgz/M − kx·mean.
inline void grad_coefficients(const float* w, const float* mean, const float* var, const std::vector<double>& sg,
                              const std::vector<double>& sgx, float* gw, float* gb, int64_t c0, int64_t c1, double M,
                              float eps, std::vector<float>& kg, std::vector<float>& kx, std::vector<float>& k0) {
  for (int64_t c = c0; c < c1; c++) {
    const int64_t k = c - c0;
    const double inv = 1.0 / std::sqrt(double(var[c]) + eps), scale = (w ? w[c] : 1.0) * inv,
                 x1 = -scale * inv * inv * sgx[k] / M;
    if (gb) gb[c] = float(sg[k]);
    if (gw) gw[c] = float(sgx[k] * inv);
    kg[k] = float(scale), kx[k] = float(x1), k0[k] = float(-scale * sg[k] / M - x1 * mean[c]);
  }
}

// The backward pass of [N, C] inputs (S = 1) for channels [c0, c1), walking rows (a range's channels are contiguous).
template <int A>
void backward_rows(const float* x, const float* w, const float* mean, const float* var, const float* y,
                   const float* gy, float* gx, float* gw, float* gb, int64_t N, int64_t C, int64_t c0, int64_t c1,
                   float eps, float slope) {
  const int64_t R = c1 - c0;
  const double M = double(N);
  std::vector<double> sg(R, 0.0), sgx(R, 0.0);
  // with an activation, gz is left in gx for the second loop (which then reads it instead of gy and y)
  const bool keep = A && gx;
  for (int64_t n = 0; n < N; n++)
    for (int64_t c = c0; c < c1; c++) {
      const float g = masked<A>(gy[n * C + c], A ? y[n * C + c] : 0.f, slope);
      if (keep) gx[n * C + c] = g;
      sg[c - c0] += g;
      sgx[c - c0] += double(g) * (double(x[n * C + c]) - mean[c]);
    }
  std::vector<float> kg(R), kx(R), k0(R);
  grad_coefficients(w, mean, var, sg, sgx, gw, gb, c0, c1, M, eps, kg, kx, k0);
  if (!gx) return;
  for (int64_t n = 0; n < N; n++)
    for (int64_t c = c0; c < c1; c++) {
      const int64_t i = n * C + c;
      gx[i] = x[i] * kx[c - c0] + (keep ? gx[i] : gy[i]) * kg[c - c0] + k0[c - c0];
    }
}

template <int A>
void forward(const float* x, const float* w, const float* b, float* y, float* mean, float* var, int64_t N, int64_t C,
             int64_t S, float eps, float slope) {
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
      // the passes walk the range's rows in memory order, as the backward's do
      std::vector<double> a(c1 - c0), q(c1 - c0);
      for (int64_t pass = 0; pass < 2; pass++) {
        std::fill(a.begin(), a.end(), 0.0), std::fill(q.begin(), q.end(), 0.0);
        for (int64_t n = 0; n < N; n++)
          for (int64_t c = c0; c < c1; c++)
            row_moments(x + (n * C + c) * S, pass ? mean[c] : 0.f, S, a[c - c0], q[c - c0]);
        for (int64_t c = c0; c < c1; c++)
          if (!pass) mean[c] = float(a[c - c0] / M);
          else var[c] = float(q[c - c0] / M);  // Σ(x − mean)² on the second pass: no cancellation
      }
    }
    std::vector<float> scale(c1 - c0), shift(c1 - c0);
    for (int64_t c = c0; c < c1; c++) {
      scale[c - c0] = (w ? w[c] : 1.f) / std::sqrt(var[c] + eps);
      shift[c - c0] = (b ? b[c] : 0.f) - mean[c] * scale[c - c0];
    }
    if (S == 1)
      for (int64_t n = 0; n < N; n++)
        for (int64_t c = c0; c < c1; c++)
          y[n * C + c] = activate<A>(x[n * C + c] * scale[c - c0] + shift[c - c0], slope);
    else
      for (int64_t n = 0; n < N; n++)
        for (int64_t c = c0; c < c1; c++)
          normalise_row<A>(x + (n * C + c) * S, y + (n * C + c) * S, S, scale[c - c0], shift[c - c0], slope);
  });
}

template <int A>
void backward(const float* x, const float* w, const float* mean, const float* var, const float* y, const float* gy,
              float* gx, float* gw, float* gb, int64_t N, int64_t C, int64_t S, float eps, float slope) {
  const double M = double(N * S);
  over_channels(C, N * C * S, [&](int64_t c0, int64_t c1) {
    if (S == 1) {
      backward_rows<A>(x, w, mean, var, y, gy, gx, gw, gb, N, C, c0, c1, eps, slope);
      return;
    }
    // Both passes walk the range's rows in memory order (a channel's rows are C·S floats apart: visiting them channel
    // by channel strides through every array at once). With an activation the first pass leaves gz in gx, and the
    // second reads it instead of gy and y.
    const bool keep = A && gx;
    const int64_t R = c1 - c0;
    std::vector<double> sg(R, 0.0), sgx(R, 0.0);  // Σ gz, Σ gz·(x − mean)
    for (int64_t n = 0; n < N; n++)
      for (int64_t c = c0; c < c1; c++) {
        const int64_t o = (n * C + c) * S;
        grad_sums<A>(gy + o, A ? y + o : nullptr, x + o, mean[c], slope, S, sg[c - c0], sgx[c - c0],
                     keep ? gx + o : nullptr);
      }
    std::vector<float> kg(R), kx(R), k0(R);
    grad_coefficients(w, mean, var, sg, sgx, gw, gb, c0, c1, M, eps, kg, kx, k0);
    if (!gx) return;
    for (int64_t n = 0; n < N; n++)
      for (int64_t c = c0; c < c1; c++) {
        const int64_t o = (n * C + c) * S, k = c - c0;
        if (keep) grad_row<kBnNone>(x + o, gx + o, nullptr, gx + o, S, kx[k], kg[k], k0[k], slope);
        else grad_row<A>(x + o, gy + o, A ? y + o : nullptr, gx + o, S, kx[k], kg[k], k0[k], slope);
      }
  });
}

}  // namespace

void batch_norm_forward(const float* x, const float* w, const float* b, float* y, float* mean, float* var, int64_t N,
                        int64_t C, int64_t S, float eps, int act, float slope) {
  if (act == kBnRelu) forward<kBnRelu>(x, w, b, y, mean, var, N, C, S, eps, slope);
  else if (act == kBnLeaky) forward<kBnLeaky>(x, w, b, y, mean, var, N, C, S, eps, slope);
  else forward<kBnNone>(x, w, b, y, mean, var, N, C, S, eps, slope);
}

void batch_norm_backward(const float* x, const float* w, const float* mean, const float* var, const float* y,
                         const float* gy, float* gx, float* gw, float* gb, int64_t N, int64_t C, int64_t S, float eps,
                         int act, float slope) {
  if (act == kBnRelu) backward<kBnRelu>(x, w, mean, var, y, gy, gx, gw, gb, N, C, S, eps, slope);
  else if (act == kBnLeaky) backward<kBnLeaky>(x, w, mean, var, y, gy, gx, gw, gb, N, C, S, eps, slope);
  else backward<kBnNone>(x, w, mean, var, y, gy, gx, gw, gb, N, C, S, eps, slope);
}

}  // namespace DG_ISA_NS
}  // namespace dg

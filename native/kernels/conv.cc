// Convolution through im2col + SGEMM, NCHW. 1x1 stride-1 convolutions skip im2col. A convolution may name its live
// kernel taps (positions i*kw + j); the column matrix then holds only those rows, so a masked convolution does the
// work of its visible taps only (PixelCNN's 3x3 mask B: 5 of 9, 7x7 mask A: 24 of 49). The weight stays
// [Cout, C, kh, kw]; its entries at other taps are ignored and receive zero gradient.
// Images are split across threads, each running a serial GEMM on its own column buffer.
#include <algorithm>
#include <cstring>
#include <vector>
#include "isa.h"
#include "parallel.h"

namespace dg {
namespace DG_ISA_NS {

namespace {

// The live taps of a convolution: the given list, or every position of the kernel.
struct Taps {
  std::vector<int32_t> list;
  bool all;
  Taps(const ConvGeom& g, const int32_t* taps, int64_t n) : all(taps == nullptr) {
    if (all) {
      list.resize(g.kh * g.kw);
      for (int32_t t = 0; t < int32_t(list.size()); t++) list[t] = t;
    } else {
      list.assign(taps, taps + n);
    }
  }
  int64_t size() const { return int64_t(list.size()); }
};

bool is_pointwise(const ConvGeom& g, const Taps& taps) {
  return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0 && taps.size() == 1;
}

// Output columns [lo, hi) of row `ox` read inside the image for kernel column j.
inline void valid_cols(const ConvGeom& g, int64_t j, int64_t& lo, int64_t& hi) {
  const int64_t off = j * g.dw - g.pw;  // ix = ox*sw + off
  lo = off >= 0 ? 0 : (-off + g.sw - 1) / g.sw;
  hi = g.W - off <= 0 ? 0 : std::min<int64_t>(g.Wo, (g.W - off + g.sw - 1) / g.sw);
  if (hi < lo) hi = lo;
}

// col[c*T + t, oy*Wo + ox] = x[c, oy*sh - ph + i*dh, ox*sw - pw + j*dw] for tap t = (i, j); 0 outside the image.
void im2col(const ConvGeom& g, const Taps& taps, const float* x, float* col) {
  const int64_t P = g.Ho * g.Wo, T = taps.size();
  for (int64_t c = 0; c < g.C; c++)
    for (int64_t t = 0; t < T; t++) {
      const int64_t i = taps.list[t] / g.kw, j = taps.list[t] % g.kw;
      int64_t lo, hi;
      valid_cols(g, j, lo, hi);
      float* row = col + (c * T + t) * P;
      for (int64_t oy = 0; oy < g.Ho; oy++) {
        const int64_t iy = oy * g.sh - g.ph + i * g.dh;
        float* r = row + oy * g.Wo;
        if (iy < 0 || iy >= g.H || lo == hi) { std::memset(r, 0, g.Wo * sizeof(float)); continue; }
        const float* xr = x + (c * g.H + iy) * g.W + j * g.dw - g.pw;
        std::memset(r, 0, lo * sizeof(float));
        if (g.sw == 1) std::memcpy(r + lo, xr + lo, (hi - lo) * sizeof(float));
        else for (int64_t ox = lo; ox < hi; ox++) r[ox] = xr[ox * g.sw];
        std::memset(r + hi, 0, (g.Wo - hi) * sizeof(float));
      }
    }
}

// The adjoint of im2col: x[c, iy, ix] += col[...] (x must be zeroed first).
void col2im(const ConvGeom& g, const Taps& taps, const float* col, float* x) {
  const int64_t P = g.Ho * g.Wo, T = taps.size();
  for (int64_t c = 0; c < g.C; c++)
    for (int64_t t = 0; t < T; t++) {
      const int64_t i = taps.list[t] / g.kw, j = taps.list[t] % g.kw;
      int64_t lo, hi;
      valid_cols(g, j, lo, hi);
      const float* row = col + (c * T + t) * P;
      for (int64_t oy = 0; oy < g.Ho; oy++) {
        const int64_t iy = oy * g.sh - g.ph + i * g.dh;
        if (iy < 0 || iy >= g.H) continue;
        float* xr = x + (c * g.H + iy) * g.W + j * g.dw - g.pw;
        const float* r = row + oy * g.Wo;
        if (g.sw == 1) for (int64_t ox = lo; ox < hi; ox++) xr[ox] += r[ox];
        else for (int64_t ox = lo; ox < hi; ox++) xr[ox * g.sw] += r[ox];
      }
    }
}

// The weight as the GEMM reads it, [Cout, C*T]: w itself when every tap is live, else the live columns copied out.
const float* compact_weight(const ConvGeom& g, const Taps& taps, const float* w, std::vector<float>& buf) {
  if (taps.all) return w;
  const int64_t T = taps.size(), KK = g.kh * g.kw;
  buf.resize(g.Cout * g.C * T);
  for (int64_t oc = 0; oc < g.Cout * g.C; oc++)
    for (int64_t t = 0; t < T; t++) buf[oc * T + t] = w[oc * KK + taps.list[t]];
  return buf.data();
}

// Runs fn(n, colBuffer, gemmThreads, thread) for every image: in parallel over images when there are enough of
// them, otherwise image by image with threads inside the GEMM.
template <class F>
void for_images(const ConvGeom& g, int64_t colSize, F fn) {
  int nt = get_threads();
  if (g.N >= nt && nt > 1) {
#pragma omp parallel num_threads(nt)
    {
      std::vector<float> col(colSize);
      int t = omp_get_thread_num(), T = omp_get_num_threads();
      for (int64_t n = g.N * t / T; n < g.N * (t + 1) / T; n++) fn(n, col.data(), 1, t);
    }
  } else {
    std::vector<float> col(colSize);
    for (int64_t n = 0; n < g.N; n++) fn(n, col.data(), nt, 0);
  }
}

}  // namespace

void conv2d_taps_forward(const ConvGeom& g, const int32_t* tapList, int64_t nTaps, const float* x, const float* w,
                         const float* bias, float* out) {
  const Taps taps(g, tapList, nTaps);
  const int64_t K = g.C * taps.size(), P = g.Ho * g.Wo;
  const bool pw = is_pointwise(g, taps);
  std::vector<float> wbuf;
  const float* wc = compact_weight(g, taps, w, wbuf);
  for_images(g, pw ? 0 : K * P, [&](int64_t n, float* col, int threads, int) {
    const float* xn = x + n * g.C * g.H * g.W;
    float* on = out + n * g.Cout * P;
    if (!pw) im2col(g, taps, xn, col);
    if (bias) {
      for (int64_t o = 0; o < g.Cout; o++) std::fill(on + o * P, on + (o + 1) * P, bias[o]);
    }
    sgemm(g.Cout, P, K, 1.f, wc, K, false, pw ? xn : col, P, false, bias ? 1.f : 0.f, on, P, threads);
  });
}

void conv2d_taps_backward_input(const ConvGeom& g, const int32_t* tapList, int64_t nTaps, const float* gy,
                                const float* w, float* gx) {
  const Taps taps(g, tapList, nTaps);
  const int64_t K = g.C * taps.size(), P = g.Ho * g.Wo;
  const bool pw = is_pointwise(g, taps);
  std::vector<float> wbuf;
  const float* wc = compact_weight(g, taps, w, wbuf);
  for_images(g, pw ? 0 : K * P, [&](int64_t n, float* col, int threads, int) {
    float* gxn = gx + n * g.C * g.H * g.W;
    if (pw) {
      sgemm(K, P, g.Cout, 1.f, wc, K, true, gy + n * g.Cout * P, P, false, 0.f, gxn, P, threads);
    } else {
      sgemm(K, P, g.Cout, 1.f, wc, K, true, gy + n * g.Cout * P, P, false, 0.f, col, P, threads);
      std::memset(gxn, 0, g.C * g.H * g.W * sizeof(float));
      col2im(g, taps, col, gxn);
    }
  });
}

void conv2d_taps_backward_weight(const ConvGeom& g, const int32_t* tapList, int64_t nTaps, const float* x,
                                 const float* gy, float* gw) {
  const Taps taps(g, tapList, nTaps);
  const int64_t T = taps.size(), K = g.C * T, P = g.Ho * g.Wo, KK = g.kh * g.kw;
  const bool pw = is_pointwise(g, taps);
  int nt = std::max(1, std::min<int>(get_threads(), int(g.N)));
  std::vector<std::vector<float>> partial(nt, std::vector<float>());
  std::vector<char> used(nt, 0);
  for_images(g, pw ? 0 : K * P, [&](int64_t n, float* col, int threads, int t) {
    std::vector<float>& acc = partial[t];
    if (acc.empty()) acc.assign(g.Cout * K, 0.f);
    used[t] = 1;
    const float* xn = x + n * g.C * g.H * g.W;
    if (!pw) im2col(g, taps, xn, col);
    sgemm(g.Cout, K, P, 1.f, gy + n * g.Cout * P, P, false, pw ? xn : col, P, true, 1.f, acc.data(), K, threads);
  });
  if (partial[0].empty()) partial[0].assign(g.Cout * K, 0.f);  // no images
  for (int t = 1; t < nt; t++)
    if (used[t])
      for (int64_t i = 0; i < g.Cout * K; i++) partial[0][i] += partial[t][i];
  std::fill(gw, gw + g.Cout * g.C * KK, 0.f);
  const float* sum = partial[0].data();
  for (int64_t oc = 0; oc < g.Cout * g.C; oc++)
    for (int64_t t = 0; t < T; t++) gw[oc * KK + taps.list[t]] = sum[oc * T + t];
}

}  // namespace DG_ISA_NS
}  // namespace dg

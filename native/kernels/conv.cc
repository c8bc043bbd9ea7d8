// Convolution through im2col + SGEMM, NCHW. 1x1 stride-1 convolutions skip im2col. A convolution may name its live
// kernel taps (positions i*kw + j); the column matrix then holds only those rows, so a masked convolution does the
// work of its visible taps only (PixelCNN's 3x3 mask B: 5 of 9, 7x7 mask A: 24 of 49). The weight stays
// [Cout, C, kh, kw]; its entries at other taps are ignored and receive zero gradient.
// Images (or groups of small images) are split across threads, each running a serial GEMM on its own buffers.
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
// Rows of col are ld floats apart (several images side by side share one column matrix).
void im2col(const ConvGeom& g, const Taps& taps, const float* x, float* col, int64_t ld) {
  const int64_t T = taps.size();
  for (int64_t c = 0; c < g.C; c++)
    for (int64_t t = 0; t < T; t++) {
      const int64_t i = taps.list[t] / g.kw, j = taps.list[t] % g.kw;
      int64_t lo, hi;
      valid_cols(g, j, lo, hi);
      float* row = col + (c * T + t) * ld;
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
void col2im(const ConvGeom& g, const Taps& taps, const float* col, int64_t ld, float* x) {
  const int64_t T = taps.size();
  for (int64_t c = 0; c < g.C; c++)
    for (int64_t t = 0; t < T; t++) {
      const int64_t i = taps.list[t] / g.kw, j = taps.list[t] % g.kw;
      int64_t lo, hi;
      valid_cols(g, j, lo, hi);
      const float* row = col + (c * T + t) * ld;
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

// Images whose outputs are small are handled in groups side by side in one column matrix, so each GEMM has at
// least this many columns (DCGAN's 7x7 outputs: 49 columns per image; the micro-kernel wants several panels).
constexpr int64_t kMinGemmCols = 256;

int64_t group_size(const ConvGeom& g) {
  const int64_t P = g.Ho * g.Wo;
  return std::max<int64_t>(1, std::min<int64_t>(g.N, (kMinGemmCols + P - 1) / P));
}

// Per-thread scratch that only grows: column matrices are rebuilt for every group, so they need no clearing.
float* scratch(int slot, int64_t n) {
  static thread_local std::vector<float> bufs[2];
  if (int64_t(bufs[slot].size()) < n) bufs[slot].resize(n);
  return bufs[slot].data();
}

// Runs fn(n0, n1, gemmThreads, thread) for groups of images [n0, n1): in parallel over groups when there are enough
// of them, otherwise group by group with threads inside the GEMM.
template <class F>
void for_groups(const ConvGeom& g, int64_t G, F fn) {
  const int64_t groups = (g.N + G - 1) / G;
  int nt = get_threads();
  if (groups >= nt && nt > 1) {
#pragma omp parallel num_threads(nt)
    {
      int t = omp_get_thread_num(), T = omp_get_num_threads();
      for (int64_t q = groups * t / T; q < groups * (t + 1) / T; q++) fn(q * G, std::min(g.N, (q + 1) * G), 1, t);
    }
  } else {
    for (int64_t q = 0; q < groups; q++) fn(q * G, std::min(g.N, (q + 1) * G), nt, 0);
  }
}

// Copies per-image [rows, P] blocks of src (image n at src + n*rows*P) side by side into dst [rows, (n1-n0)*P], or
// back when `gather` is false.
void side_by_side(const float* src, float* dst, int64_t n0, int64_t n1, int64_t rows, int64_t P, bool gather,
                  float* out = nullptr) {
  const int64_t ld = (n1 - n0) * P;
  for (int64_t n = n0; n < n1; n++)
    for (int64_t r = 0; r < rows; r++) {
      if (gather) std::memcpy(dst + r * ld + (n - n0) * P, src + (n * rows + r) * P, P * sizeof(float));
      else std::memcpy(out + (n * rows + r) * P, src + r * ld + (n - n0) * P, P * sizeof(float));
    }
}

}  // namespace

void conv2d_taps_forward(const ConvGeom& g, const int32_t* tapList, int64_t nTaps, const float* x, const float* w,
                         const float* bias, float* out) {
  const Taps taps(g, tapList, nTaps);
  const int64_t K = g.C * taps.size(), P = g.Ho * g.Wo, CHW = g.C * g.H * g.W, G = group_size(g);
  const bool pw = is_pointwise(g, taps) && G == 1;
  std::vector<float> wbuf;
  const float* wc = compact_weight(g, taps, w, wbuf);
  for_groups(g, G, [&](int64_t n0, int64_t n1, int threads, int) {
    const int64_t ld = (n1 - n0) * P;
    float *col = scratch(0, pw ? 0 : K * ld), *res = scratch(1, G > 1 ? g.Cout * ld : 0);
    for (int64_t n = n0; n < n1 && !pw; n++) im2col(g, taps, x + n * CHW, col + (n - n0) * P, ld);
    float* dst = G > 1 ? res : out + n0 * g.Cout * P;
    if (bias)
      for (int64_t o = 0; o < g.Cout; o++) std::fill(dst + o * ld, dst + (o + 1) * ld, bias[o]);
    sgemm(g.Cout, ld, K, 1.f, wc, K, false, pw ? x + n0 * CHW : col, ld, false, bias ? 1.f : 0.f, dst, ld, threads);
    if (G > 1) side_by_side(res, nullptr, n0, n1, g.Cout, P, false, out);
  });
}

void conv2d_taps_backward_input(const ConvGeom& g, const int32_t* tapList, int64_t nTaps, const float* gy,
                                const float* w, float* gx) {
  const Taps taps(g, tapList, nTaps);
  const int64_t K = g.C * taps.size(), P = g.Ho * g.Wo, CHW = g.C * g.H * g.W, G = group_size(g);
  const bool pw = is_pointwise(g, taps) && G == 1;
  std::vector<float> wbuf;
  const float* wc = compact_weight(g, taps, w, wbuf);
  for_groups(g, G, [&](int64_t n0, int64_t n1, int threads, int) {
    const int64_t ld = (n1 - n0) * P;
    float *col = scratch(0, pw ? 0 : K * ld), *gyg = scratch(1, G > 1 ? g.Cout * ld : 0);
    if (G > 1) side_by_side(gy, gyg, n0, n1, g.Cout, P, true);
    const float* gsrc = G > 1 ? gyg : gy + n0 * g.Cout * P;
    if (pw) {
      sgemm(K, P, g.Cout, 1.f, wc, K, true, gsrc, P, false, 0.f, gx + n0 * CHW, P, threads);
      return;
    }
    sgemm(K, ld, g.Cout, 1.f, wc, K, true, gsrc, ld, false, 0.f, col, ld, threads);
    for (int64_t n = n0; n < n1; n++) {
      std::memset(gx + n * CHW, 0, CHW * sizeof(float));
      col2im(g, taps, col + (n - n0) * P, ld, gx + n * CHW);
    }
  });
}

void conv2d_taps_backward_weight(const ConvGeom& g, const int32_t* tapList, int64_t nTaps, const float* x,
                                 const float* gy, float* gw) {
  const Taps taps(g, tapList, nTaps);
  const int64_t T = taps.size(), K = g.C * T, P = g.Ho * g.Wo, KK = g.kh * g.kw, CHW = g.C * g.H * g.W,
                G = group_size(g);
  const bool pw = is_pointwise(g, taps) && G == 1;
  const int nt = std::max(1, get_threads());
  // The GEMM packs its transposed operand; accumulating the transposed product instead makes that the smaller
  // matrix (gy, Cout x pixels, rather than the columns, C·taps x pixels) when there are fewer output channels.
  const bool transposed = g.Cout < K;
  std::vector<std::vector<float>> partial(nt);
  for_groups(g, G, [&](int64_t n0, int64_t n1, int threads, int t) {
    std::vector<float>& acc = partial[t];
    if (acc.empty()) acc.assign(g.Cout * K, 0.f);
    const int64_t ld = (n1 - n0) * P;
    float *col = scratch(0, pw ? 0 : K * ld), *gyg = scratch(1, G > 1 ? g.Cout * ld : 0);
    for (int64_t n = n0; n < n1 && !pw; n++) im2col(g, taps, x + n * CHW, col + (n - n0) * P, ld);
    if (G > 1) side_by_side(gy, gyg, n0, n1, g.Cout, P, true);
    const float* gsrc = G > 1 ? gyg : gy + n0 * g.Cout * P;
    const float* cols = pw ? x + n0 * CHW : col;
    if (transposed)  // acc[K, Cout] += col · gyᵀ
      sgemm(K, g.Cout, ld, 1.f, cols, ld, false, gsrc, ld, true, 1.f, acc.data(), g.Cout, threads);
    else  // acc[Cout, K] += gy · colᵀ
      sgemm(g.Cout, K, ld, 1.f, gsrc, ld, false, cols, ld, true, 1.f, acc.data(), K, threads);
  });
  if (partial[0].empty()) partial[0].assign(g.Cout * K, 0.f);  // no images
  for (int t = 1; t < nt; t++)
    for (size_t i = 0; i < partial[t].size(); i++) partial[0][i] += partial[t][i];
  std::fill(gw, gw + g.Cout * g.C * KK, 0.f);
  const float* sum = partial[0].data();
  for (int64_t oc = 0; oc < g.Cout * g.C; oc++)
    for (int64_t t = 0; t < T; t++) {
      const int64_t o = oc / g.C, kk = oc % g.C * T + t;
      gw[oc * KK + taps.list[t]] = transposed ? sum[kk * g.Cout + o] : sum[o * K + kk];
    }
}

}  // namespace DG_ISA_NS
}  // namespace dg

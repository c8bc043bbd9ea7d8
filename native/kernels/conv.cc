// Convolution through im2col + SGEMM, NCHW. 1x1 stride-1 convolutions skip im2col. A convolution may name its live
// kernel taps (positions i*kw + j); the column matrix then holds only those rows, so a masked convolution does the
// work of its visible taps only (PixelCNN's 3x3 mask B: 5 of 9, 7x7 mask A: 24 of 49). The weight stays
// [Cout, C, kh, kw]; its entries at other taps are ignored and receive zero gradient.
// Images (or groups of small images) are split across threads, each running a serial GEMM on its own buffers.
// The fused variants apply a ReLU to the input (pre-activation) and/or the output while each image's block is still
// in cache, and compute every gradient in one pass over the batch: on PixelCNN's [32, 64, 28, 28] activations the
// separate elementwise passes and their fresh buffers cost as much as the 1x1 GEMMs themselves.
#include <algorithm>
#include <cstring>
#include <vector>
#include "isa.h"
#include "parallel.h"
#include "simd.h"

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

// Per-thread scratch that only grows: column matrices are rebuilt for every group, so they need no clearing.
// Slots: 0 column matrix, 1 gathered output (gradient), 2 a zero-padded image for strided convolutions.
float* scratch(int slot, int64_t n) {
  static thread_local std::vector<float> bufs[3];
  if (int64_t(bufs[slot].size()) < n) bufs[slot].resize(n);
  return bufs[slot].data();
}

// Strided convolutions gather from (and scatter to) a zero-padded copy of the image: their output rows are short
// (DCGAN's stride-2 layers: 7 or 14 columns), so clipping every row to the image and zeroing its ends cost more than
// the copies themselves (im2col and col2im were ~30% of the GEMM time of a 4x4 stride-2 layer).
bool use_padded(const ConvGeom& g) { return g.sh > 1 || g.sw > 1; }
int64_t padded_h(const ConvGeom& g) { return g.H + 2 * g.ph; }
int64_t padded_w(const ConvGeom& g) { return g.W + 2 * g.pw; }

// xp[c] = x[c] (rectified with `relu`) inside a border of ph rows and pw columns of zeros.
void pad_image(const ConvGeom& g, const float* x, float* xp, bool relu) {
  const int64_t Hp = padded_h(g), Wp = padded_w(g);
  std::memset(xp, 0, g.C * Hp * Wp * sizeof(float));
  for (int64_t c = 0; c < g.C; c++)
    for (int64_t y = 0; y < g.H; y++) {
      const float* src = x + (c * g.H + y) * g.W;
      float* dst = xp + (c * Hp + y + g.ph) * Wp + g.pw;
      if (relu) for (int64_t i = 0; i < g.W; i++) dst[i] = src[i] > 0.f ? src[i] : 0.f;
      else std::memcpy(dst, src, g.W * sizeof(float));
    }
}

// im2col from the padded image: every read is inside it, so the rows need no clipping.
void im2col_padded(const ConvGeom& g, const Taps& taps, const float* x, float* col, int64_t ld, bool relu) {
  const int64_t T = taps.size(), Hp = padded_h(g), Wp = padded_w(g);
  float* xp = scratch(2, g.C * Hp * Wp);
  pad_image(g, x, xp, relu);
  for (int64_t c = 0; c < g.C; c++)
    for (int64_t t = 0; t < T; t++) {
      const int64_t i = taps.list[t] / g.kw, j = taps.list[t] % g.kw;
      const float* base = xp + (c * Hp + i * g.dh) * Wp + j * g.dw;
      float* row = col + (c * T + t) * ld;
      for (int64_t oy = 0; oy < g.Ho; oy++) {
        const float* src = base + oy * g.sh * Wp;
        float* dst = row + oy * g.Wo;
        for (int64_t ox = 0; ox < g.Wo; ox++) dst[ox] = src[ox * g.sw];
      }
    }
}

// col[c*T + t, oy*Wo + ox] = x[c, oy*sh - ph + i*dh, ox*sw - pw + j*dw] for tap t = (i, j); 0 outside the image.
// Rows of col are ld floats apart (several images side by side share one column matrix).
// With `relu`, max(x, 0) is gathered instead of x (as the relu op computes it: NaN and -0 give 0).
void im2col(const ConvGeom& g, const Taps& taps, const float* x, float* col, int64_t ld, bool relu = false) {
  if (use_padded(g)) return im2col_padded(g, taps, x, col, ld, relu);
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
        if (relu && g.sw == 1) for (int64_t ox = lo; ox < hi; ox++) r[ox] = xr[ox] > 0.f ? xr[ox] : 0.f;
        else if (relu) for (int64_t ox = lo; ox < hi; ox++) r[ox] = xr[ox * g.sw] > 0.f ? xr[ox * g.sw] : 0.f;
        else if (g.sw == 1) std::memcpy(r + lo, xr + lo, (hi - lo) * sizeof(float));
        else for (int64_t ox = lo; ox < hi; ox++) r[ox] = xr[ox * g.sw];
        std::memset(r + hi, 0, (g.Wo - hi) * sizeof(float));
      }
    }
}

// col2im into a zeroed padded image, whose interior is then the gradient.
void col2im_padded(const ConvGeom& g, const Taps& taps, const float* col, int64_t ld, float* x) {
  const int64_t T = taps.size(), Hp = padded_h(g), Wp = padded_w(g);
  float* xp = scratch(2, g.C * Hp * Wp);
  std::memset(xp, 0, g.C * Hp * Wp * sizeof(float));
  for (int64_t c = 0; c < g.C; c++)
    for (int64_t t = 0; t < T; t++) {
      const int64_t i = taps.list[t] / g.kw, j = taps.list[t] % g.kw;
      float* base = xp + (c * Hp + i * g.dh) * Wp + j * g.dw;
      const float* row = col + (c * T + t) * ld;
      for (int64_t oy = 0; oy < g.Ho; oy++) {
        float* dst = base + oy * g.sh * Wp;
        const float* src = row + oy * g.Wo;
        for (int64_t ox = 0; ox < g.Wo; ox++) dst[ox * g.sw] += src[ox];
      }
    }
  for (int64_t c = 0; c < g.C; c++)
    for (int64_t y = 0; y < g.H; y++)
      std::memcpy(x + (c * g.H + y) * g.W, xp + (c * Hp + y + g.ph) * Wp + g.pw, g.W * sizeof(float));
}

// The adjoint of im2col: x[c, iy, ix] = Σ col[...] over the entries that read it (x is overwritten).
void col2im(const ConvGeom& g, const Taps& taps, const float* col, int64_t ld, float* x) {
  if (use_padded(g)) return col2im_padded(g, taps, col, ld, x);
  std::memset(x, 0, g.C * g.H * g.W * sizeof(float));
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

// Flags of the fused convolution (kernels.h): ReLU on the input, ReLU on the output.
constexpr int kReluIn = 1, kReluOut = 2;

namespace {

void relu_inplace(float* p, int64_t n) {
  int64_t i = 0;
  for (; i + VW <= n; i += VW) vstore(p + i, vmax(vload(p + i), vf{}));
  for (; i < n; i++) p[i] = p[i] > 0.f ? p[i] : 0.f;
}

float row_sum(const float* p, int64_t n) {
  vf a0{}, a1{};
  int64_t i = 0;
  for (; i + 2 * VW <= n; i += 2 * VW) {
    a0 += vload(p + i);
    a1 += vload(p + i + VW);
  }
  a0 += a1;
  float s = 0.f;
  for (int l = 0; l < VW; l++) s += a0[l];
  for (; i < n; i++) s += p[i];
  return s;
}

void forward(const ConvGeom& g, const Taps& taps, int flags, const float* x, const float* w, const float* bias,
             float* out) {
  const int64_t K = g.C * taps.size(), P = g.Ho * g.Wo, CHW = g.C * g.H * g.W, G = group_size(g);
  const bool pw = is_pointwise(g, taps) && G == 1, reluIn = flags & kReluIn;
  std::vector<float> wbuf;
  const float* wc = compact_weight(g, taps, w, wbuf);
  for_groups(g, G, [&](int64_t n0, int64_t n1, int threads, int) {
    const int64_t ld = (n1 - n0) * P;
    // a pointwise convolution reads the image itself, or its rectified copy (C x P, cache-sized) with reluIn
    float *col = scratch(0, pw && !reluIn ? 0 : K * ld), *res = scratch(1, G > 1 ? g.Cout * ld : 0);
    if (pw && reluIn)
      for (int64_t i = 0; i < K * P; i++) col[i] = x[n0 * CHW + i] > 0.f ? x[n0 * CHW + i] : 0.f;
    for (int64_t n = n0; n < n1 && !pw; n++) im2col(g, taps, x + n * CHW, col + (n - n0) * P, ld, reluIn);
    float* dst = G > 1 ? res : out + n0 * g.Cout * P;
    if (bias)
      for (int64_t o = 0; o < g.Cout; o++) std::fill(dst + o * ld, dst + (o + 1) * ld, bias[o]);
    const float* cols = pw && !reluIn ? x + n0 * CHW : col;
    sgemm(g.Cout, ld, K, 1.f, wc, K, false, cols, ld, false, bias ? 1.f : 0.f, dst, ld, threads);
    if (flags & kReluOut) relu_inplace(dst, g.Cout * ld);
    if (G > 1) side_by_side(res, nullptr, n0, n1, g.Cout, P, false, out);
  });
}

}  // namespace

void conv2d_taps_forward(const ConvGeom& g, const int32_t* tapList, int64_t nTaps, const float* x, const float* w,
                         const float* bias, float* out) {
  forward(g, Taps(g, tapList, nTaps), 0, x, w, bias, out);
}

void conv2d_relu_forward(const ConvGeom& g, const int32_t* tapList, int64_t nTaps, int flags, const float* x,
                         const float* w, const float* bias, float* out) {
  forward(g, Taps(g, tapList, nTaps), flags, x, w, bias, out);
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
    for (int64_t n = n0; n < n1; n++) col2im(g, taps, col + (n - n0) * P, ld, gx + n * CHW);
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


namespace {

// The upstream gradient of a group side by side, [Cout, ld], masked by y > 0 when the output was rectified; gy itself
// when neither applies.
const float* output_grad(const ConvGeom& g, int flags, const float* y, const float* gy, int64_t n0, int64_t n1,
                         int64_t G, float* buf) {
  const int64_t P = g.Ho * g.Wo, ld = (n1 - n0) * P;
  if (!(flags & kReluOut)) {
    if (G == 1) return gy + n0 * g.Cout * P;
    side_by_side(gy, buf, n0, n1, g.Cout, P, true);
    return buf;
  }
  for (int64_t n = n0; n < n1; n++)
    for (int64_t o = 0; o < g.Cout; o++) {
      const float *src = gy + (n * g.Cout + o) * P, *yr = y + (n * g.Cout + o) * P;
      float* dst = buf + o * ld + (n - n0) * P;
      for (int64_t p = 0; p < P; p++) dst[p] = yr[p] > 0.f ? src[p] : 0.f;
    }
  return buf;
}

}  // namespace

// Every gradient of conv2d_relu_forward in one call: the output gradient is gathered (and masked) per group of
// images while it is in cache, and the bias gradient summed there. Pointwise convolutions (memory-bound: small
// weights, large activations) take every gradient in one sweep over the images, reading gy once; the others run the
// weight and input gradients as two sweeps, so each sweep's working set (columns, weight, accumulator) stays small.
void conv2d_relu_backward(const ConvGeom& g, const int32_t* tapList, int64_t nTaps, int flags, const float* x,
                          const float* w, const float* y, const float* gy, float* gx, float* gw, float* gb) {
  const Taps taps(g, tapList, nTaps);
  const int64_t T = taps.size(), K = g.C * T, P = g.Ho * g.Wo, KK = g.kh * g.kw, CHW = g.C * g.H * g.W,
                G = group_size(g);
  const bool pw = is_pointwise(g, taps) && G == 1, reluIn = flags & kReluIn;
  const int nt = std::max(1, get_threads());
  std::vector<float> wbuf;
  const float* wc = compact_weight(g, taps, w, wbuf);
  // as in conv2d_taps_backward_weight: accumulate the transposed product when the columns are the larger operand
  const bool transposed = g.Cout < K;
  std::vector<std::vector<float>> partW(nt), partB(nt);
  const int sweeps = pw ? 1 : 2;
  for (int sweep = 0; sweep < sweeps; sweep++) {
    const bool doW = gw && sweep == 0, doB = gb && sweep == 0, doX = gx && sweep == sweeps - 1;
    if (!doW && !doB && !doX) continue;
    for_groups(g, G, [&](int64_t n0, int64_t n1, int threads, int t) {
      const int64_t ld = (n1 - n0) * P;
      const bool mask = (flags & kReluOut) || G > 1;
      float *col = scratch(0, (doW && (!pw || reluIn)) || (doX && !pw) ? K * ld : 0),
            *gzb = scratch(1, mask ? g.Cout * ld : 0);
      const float* gz = output_grad(g, flags, y, gy, n0, n1, G, gzb);
      if (doB) {
        if (partB[t].empty()) partB[t].assign(g.Cout, 0.f);
        for (int64_t o = 0; o < g.Cout; o++) partB[t][o] += row_sum(gz + o * ld, ld);
      }
      if (doW) {
        std::vector<float>& acc = partW[t];
        if (acc.empty()) acc.assign(g.Cout * K, 0.f);
        if (pw && reluIn)
          for (int64_t i = 0; i < K * P; i++) col[i] = x[n0 * CHW + i] > 0.f ? x[n0 * CHW + i] : 0.f;
        for (int64_t n = n0; n < n1 && !pw; n++) im2col(g, taps, x + n * CHW, col + (n - n0) * P, ld, reluIn);
        const float* cols = pw && !reluIn ? x + n0 * CHW : col;
        if (transposed)  // acc[K, Cout] += col · gzᵀ
          sgemm(K, g.Cout, ld, 1.f, cols, ld, false, gz, ld, true, 1.f, acc.data(), g.Cout, threads);
        else  // acc[Cout, K] += gz · colᵀ
          sgemm(g.Cout, K, ld, 1.f, gz, ld, false, cols, ld, true, 1.f, acc.data(), K, threads);
      }
      if (doX) {
        if (pw) {
          sgemm(K, P, g.Cout, 1.f, wc, K, true, gz, P, false, 0.f, gx + n0 * CHW, P, threads);
        } else {
          sgemm(K, ld, g.Cout, 1.f, wc, K, true, gz, ld, false, 0.f, col, ld, threads);
          for (int64_t n = n0; n < n1; n++) col2im(g, taps, col + (n - n0) * P, ld, gx + n * CHW);
        }
        if (reluIn)
          for (int64_t i = n0 * CHW; i < n1 * CHW; i++) gx[i] = x[i] > 0.f ? gx[i] : 0.f;
      }
    });
  }
  if (gb) {
    std::fill(gb, gb + g.Cout, 0.f);
    for (auto& part : partB)
      for (size_t o = 0; o < part.size(); o++) gb[o] += part[o];
  }
  if (!gw) return;
  std::vector<float> sum(g.Cout * K, 0.f);
  for (auto& part : partW)
    for (size_t i = 0; i < part.size(); i++) sum[i] += part[i];
  std::fill(gw, gw + g.Cout * g.C * KK, 0.f);
  for (int64_t oc = 0; oc < g.Cout * g.C; oc++)
    for (int64_t t = 0; t < T; t++) {
      const int64_t o = oc / g.C, kk = oc % g.C * T + t;
      gw[oc * KK + taps.list[t]] = transposed ? sum[kk * g.Cout + o] : sum[o * K + kk];
    }
}

}  // namespace DG_ISA_NS
}  // namespace dg

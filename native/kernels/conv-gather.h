// The gathers and scatters of convolution through GEMM: im2col (image -> column matrix of the live taps) and its
// adjoint col2im, directly or through a zero-padded copy of the image for strided convolutions, plus the per-thread
// scratch they fill. Included by conv.cc only (one translation unit per ISA path).
#pragma once
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

// Stride-1 convolutions whose output rows are as wide as the input's ("same" padding, PixelCNN's masked layers):
// output pixel p = oy*Wo + ox reads the image at p + d for tap (i, j), d = (i*dh - ph)*W + j*dw - pw. The live part
// of a tap's column row is then one contiguous run of the image, copied (or added back) in one vectorized pass; only
// the entries whose column falls outside the image (they wrap to the neighbouring row) are zeroed afterwards.
// Clipping every 28-float row with two memsets and a memcpy took ~1 of the 4.2 ms of a mask-B layer's forward.
bool use_shifted(const ConvGeom& g) { return g.sh == 1 && g.sw == 1 && g.Wo == g.W; }

// The shifted run of tap (i, j): offset d, output rows [rlo, rhi) and columns [clo, chi) that read inside the image,
// and the run [p0, p1) from the first such pixel to the last (empty when no pixel reads inside).
struct Shift {
  int64_t d, rlo, rhi, clo, chi, p0, p1;
  Shift(const ConvGeom& g, int64_t i, int64_t j) {
    const int64_t offR = i * g.dh - g.ph;  // iy = oy + offR
    rlo = std::clamp<int64_t>(-offR, 0, g.Ho);
    rhi = std::clamp<int64_t>(g.H - offR, rlo, g.Ho);
    valid_cols(g, j, clo, chi);
    d = offR * g.W + j * g.dw - g.pw;
    const bool live = rhi > rlo && chi > clo;
    p0 = live ? rlo * g.Wo + clo : 0;
    p1 = live ? (rhi - 1) * g.Wo + chi : 0;
  }
};

void im2col_shifted(const ConvGeom& g, const Taps& taps, const float* x, float* col, int64_t ld, bool relu) {
  const int64_t T = taps.size(), P = g.Ho * g.Wo, HW = g.H * g.W;
  for (int64_t t = 0; t < T; t++) {
    const Shift s(g, taps.list[t] / g.kw, taps.list[t] % g.kw);
    for (int64_t c = 0; c < g.C; c++) {
      float* row = col + (c * T + t) * ld;
      const float* src = x + c * HW + s.d + s.p0;  // the image pixel that output pixel p0 reads
      float* dst = row + s.p0;
      const int64_t n = s.p1 - s.p0;
      std::memset(row, 0, s.p0 * sizeof(float));
      if (relu)
        for (int64_t p = 0; p < n; p++) dst[p] = src[p] > 0.f ? src[p] : 0.f;
      else
        std::memcpy(dst, src, n * sizeof(float));
      std::memset(row + s.p1, 0, (P - s.p1) * sizeof(float));
      if (s.p1 == s.p0) continue;
      for (int64_t oy = s.rlo; oy < s.rhi; oy++) {  // the wrapped columns of the copied rows
        float* r = row + oy * g.Wo;
        for (int64_t ox = 0; ox < s.clo; ox++) r[ox] = 0.f;
        for (int64_t ox = s.chi; ox < g.Wo; ox++) r[ox] = 0.f;
      }
    }
  }
}

// The adjoint: each tap's run is added back in one pass. The wrapped entries of col are zeroed first (col is scratch
// that the caller rebuilds), so every image value receives exactly the terms the clipped loops would add, in the same
// order (taps increasing).
void col2im_shifted(const ConvGeom& g, const Taps& taps, float* col, int64_t ld, float* x) {
  const int64_t T = taps.size(), HW = g.H * g.W;
  std::memset(x, 0, g.C * HW * sizeof(float));
  for (int64_t c = 0; c < g.C; c++)
    for (int64_t t = 0; t < T; t++) {
      const Shift s(g, taps.list[t] / g.kw, taps.list[t] % g.kw);
      if (s.p1 == s.p0) continue;
      float* row = col + (c * T + t) * ld;
      for (int64_t oy = s.rlo; oy < s.rhi; oy++) {
        float* r = row + oy * g.Wo;
        for (int64_t ox = 0; ox < s.clo; ox++) r[ox] = 0.f;
        for (int64_t ox = s.chi; ox < g.Wo; ox++) r[ox] = 0.f;
      }
      float* dst = x + c * HW + s.d + s.p0;
      const float* src = row + s.p0;
      for (int64_t p = 0; p < s.p1 - s.p0; p++) dst[p] += src[p];
    }
}

// col[c*T + t, oy*Wo + ox] = x[c, oy*sh - ph + i*dh, ox*sw - pw + j*dw] for tap t = (i, j); 0 outside the image.
// Rows of col are ld floats apart (several images side by side share one column matrix).
// With `relu`, max(x, 0) is gathered instead of x (as the relu op computes it: NaN and -0 give 0).
void im2col(const ConvGeom& g, const Taps& taps, const float* x, float* col, int64_t ld, bool relu = false) {
  if (use_padded(g)) return im2col_padded(g, taps, x, col, ld, relu);
  if (use_shifted(g)) return im2col_shifted(g, taps, x, col, ld, relu);
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

// The adjoint of im2col: x[c, iy, ix] = Σ col[...] over the entries that read it (x is overwritten). col is scratch:
// the shifted form zeroes some of its entries.
void col2im(const ConvGeom& g, const Taps& taps, float* col, int64_t ld, float* x) {
  if (use_padded(g)) return col2im_padded(g, taps, col, ld, x);
  if (use_shifted(g)) return col2im_shifted(g, taps, col, ld, x);
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

}  // namespace
}  // namespace DG_ISA_NS
}  // namespace dg

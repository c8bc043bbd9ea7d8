// The gathers and scatters of convolution through GEMM: im2col (image -> column matrix of the live taps) and its
// adjoint col2im, directly, through a zero-padded copy of the image for strided convolutions or by permutations
// for narrow strided ones (conv-permuted.h), plus the per-thread scratch they fill. Included by conv.cc only (one
// translation unit per ISA path).
#pragma once
#include <algorithm>
#include <cstring>
#include <vector>
#include "conv-permuted.h"
#include "conv-taps.h"
#include "isa.h"
#include "parallel.h"
#include "simd.h"
#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace dg {
namespace DG_ISA_NS {
namespace {

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
// Slots: 0 column matrix, 1 gathered output (gradient), 2 a zero-padded image for strided convolutions, 3 a padded
// input gradient (conv-nhwc.h). Each holds
// kSlack floats more than asked, so the 8-float runs of the strided gathers may read (never change) past its end.
// The returned pointer is 64-byte aligned (see padded_ld).
constexpr int64_t kSlack = 16;
float* scratch(int slot, int64_t n) {
  static thread_local std::vector<float> bufs[4];
  if (int64_t(bufs[slot].size()) < n + kSlack + 16) bufs[slot].resize(n + kSlack + 16);
  const uintptr_t at = reinterpret_cast<uintptr_t>(bufs[slot].data());
  return bufs[slot].data() + ((64 - at % 64) % 64) / sizeof(float);
}

// dst[0, n) = src[0, n) + b (+ res[0, n)), rectified when `relu` (leaky with a slope ≠ 0): a row of a
// convolution's output finished where its product left it. src may be dst.
inline void finish_row(const float* src, float* dst, int64_t n, float b, const float* res, bool relu, float slope) {
  const vf bv = vset1(b), s = vset1(slope);
  int64_t i = 0;
  for (; i + VW <= n; i += VW) {
    vf v = vload(src + i) + bv;
    if (res) v += vload(res + i);
    if (relu) v = v > vf{} ? v : (slope == 0.f ? vf{} : v * s);
    vstore(dst + i, v);
  }
  for (; i < n; i++) {
    float v = src[i] + b;
    if (res) v += res[i];
    if (relu) v = v > 0.f ? v : (slope == 0.f ? 0.f : slope * v);
    dst[i] = v;
  }
}

// dst = src where y > 0, else slope · src (0 when the slope is 0), as vector selects: written as a scalar ternary,
// GCC kept the AVX2 build's loop scalar with a branch per float, which mispredicts on a gradient's random signs
// (D_conv1's backward in a DCGAN step took ~3x as long there as with AVX-512).
void mask_by_sign(const float* src, const float* y, float* dst, int64_t n, float slope) {
  const vf s = vset1(slope);
  int64_t i = 0;
  for (; i + VW <= n; i += VW) {
    const vf v = vload(src + i), yv = vload(y + i);
    vstore(dst + i, yv > vf{} ? v : (slope == 0.f ? vf{} : v * s));
  }
  for (; i < n; i++) dst[i] = y[i] > 0.f ? src[i] : (slope == 0.f ? 0.f : slope * src[i]);
}

// The row stride of a column matrix of n columns: rows start 64-byte aligned, so the GEMM's vector loads (the forward
// reads it in place as B) and stores (the input gradient writes it as C) do not straddle cache lines. DCGAN's
// grouped 4x4 layer, 128 x 294 x 1024 with B in place: 92 -> 103 GFLOP/s with AVX-512, 78 -> 92 with AVX2 at a
// stride of 296 or 304 instead of 294; its input gradient 1024 x 294 x 128: 80 -> 88 GFLOP/s with C rows 304 apart.
int64_t padded_ld(int64_t n) { return (n + 15) / 16 * 16; }

// Strided convolutions (those over narrow images: conv-permuted.h) gather from (and scatter to) a zero-padded copy
// of the image whose columns are split by their phase modulo the stride: phase q of a padded row holds its columns
// q, q + sw, q + 2sw, ... side by side. A tap's output row (columns ox*sw + j*dw) is then one contiguous run of Wo
// floats of phase (j*dw) % sw, copied as 8-float vectors whose last one is masked. DCGAN's 4x4 stride-2 layers have
// output rows of 7 or 14 floats: clipping each to the image cost ~30% of the GEMM time, and the padded copy with one
// scalar stride-2 read per entry still took 2.3 ms of a 12 ms forward (64 images, 64 -> 128 channels, 14x14 -> 7x7).
bool use_padded(const ConvGeom& g) { return g.sh > 1 || g.sw > 1; }
int64_t padded_h(const ConvGeom& g) { return g.H + 2 * g.ph; }
int64_t phase_w(const ConvGeom& g) { return (g.W + 2 * g.pw + g.sw - 1) / g.sw; }
int64_t phased_size(const ConvGeom& g) { return g.C * g.sw * padded_h(g) * phase_w(g); }

// The padded copy's element for image column ix of channel c, row y: its phase and its index within the phase.
inline int64_t phased_at(const ConvGeom& g, int64_t c, int64_t y, int64_t ix) {
  const int64_t col = ix + g.pw;
  return ((c * g.sw + col % g.sw) * padded_h(g) + y + g.ph) * phase_w(g) + col / g.sw;
}

typedef float v8 __attribute__((vector_size(32), aligned(4)));
typedef int32_t v8i __attribute__((vector_size(32)));
constexpr v8i kLane = {0, 1, 2, 3, 4, 5, 6, 7};

// dst[0, n) += src[0, n) in 8-float vectors: the last one reads up to 7 floats past both ends and writes back dst's
// own values there (exactly: a select, not an add of zeros, so -0 stays -0).
inline void add_run8(const float* src, float* dst, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) *reinterpret_cast<v8*>(dst + i) += *reinterpret_cast<const v8*>(src + i);
  if (i < n) {
    const v8 s = *reinterpret_cast<const v8*>(src + i);
    v8& d = *reinterpret_cast<v8*>(dst + i);
    d = kLane < int32_t(n - i) ? d + s : d;
  }
}

// dst[0, n) = src[0, n) in whole 8-float vectors, so up to 7 floats past dst + n are overwritten: the caller writes
// them afterwards (the next output row). A masked store would have to read dst first, and that read overlapping the
// previous row's store stalled store forwarding (the gather took longer than the unsplit scalar one).
inline void copy_run8_over(const float* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n; i += 8) *reinterpret_cast<v8*>(dst + i) = *reinterpret_cast<const v8*>(src + i);
}

// The same without writing past dst + n: whole vectors, then a masked store of the rest (AVX2 and AVX-512 store
// only the live lanes; elsewhere one float at a time).
inline void copy_run8(const float* src, float* dst, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) *reinterpret_cast<v8*>(dst + i) = *reinterpret_cast<const v8*>(src + i);
  if (i == n) return;
#if defined(__AVX2__)
  const __m256i live = _mm256_cmpgt_epi32(_mm256_set1_epi32(int32_t(n - i)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  _mm256_maskstore_ps(dst + i, live, _mm256_loadu_ps(src + i));
#else
  for (; i < n; i++) dst[i] = src[i];
#endif
}

// xp = the phase-split padded copy of x (rectified with `relu`), zeros in the border. xp has kSlack floats to spare.
void pad_image(const ConvGeom& g, const float* x, float* xp, bool relu) {
  const int64_t Wq = phase_w(g), plane = padded_h(g) * Wq, nq = std::min(g.sw, g.W);
  std::memset(xp, 0, phased_size(g) * sizeof(float));
  int64_t at[8];  // image columns q, q + sw, ... land side by side from at[q] on (row 0 of channel 0)
  for (int64_t q = 0; q < nq && q < 8; q++) at[q] = phased_at(g, 0, 0, q);
  for (int64_t c = 0; c < g.C; c++)
    for (int64_t y = 0; y < g.H; y++) {
      const float* src = x + (c * g.H + y) * g.W;
      for (int64_t q = 0; q < nq; q++) {
        float* dst = xp + (q < 8 ? at[q] + c * g.sw * plane + y * Wq : phased_at(g, c, y, q));
        if (relu)
          for (int64_t ix = q, k = 0; ix < g.W; ix += g.sw, k++) dst[k] = src[ix] > 0.f ? src[ix] : 0.f;
        else
          for (int64_t ix = q, k = 0; ix < g.W; ix += g.sw, k++) dst[k] = src[ix];
      }
    }
}

// The first float of each tap's output row 0 in the phase-split copy of channel 0 (row oy is oy*sh*Wq further,
// channel c is c*sw*Hp*Wq further), computed once per image rather than per channel and tap.
std::vector<int64_t> tap_bases(const ConvGeom& g, const Taps& taps) {
  std::vector<int64_t> base(taps.size());
  for (int64_t t = 0; t < taps.size(); t++) {
    const int64_t i = taps.list[t] / g.kw, col = taps.list[t] % g.kw * g.dw;
    base[t] = ((col % g.sw) * padded_h(g) + i * g.dh) * phase_w(g) + col / g.sw;
  }
  return base;
}

// im2col from the phase-split padded image: every read is inside it and each output row is one contiguous run.
// `spill` floats after the image's P columns of each row may be overwritten (the caller writes them afterwards).
void im2col_padded(const ConvGeom& g, const Taps& taps, const float* x, float* col, int64_t ld, bool relu,
                   int64_t spill) {
  const int64_t T = taps.size(), step = g.sh * phase_w(g), whole = (g.Wo + 7) / 8 * 8;
  const int64_t cstride = g.sw * padded_h(g) * phase_w(g);
  // rows [0, over) end their whole vectors inside the room, so they may write past their own Wo; the others store
  // masked (slow on Zen 4: with a spill, DCGAN's im2col takes ~0.85 ms instead of ~1.05)
  const int64_t over = whole_rows(g, spill, whole);
  float* xp = scratch(2, phased_size(g));
  pad_image(g, x, xp, relu);
  const std::vector<int64_t> bases = tap_bases(g, taps);
  for (int64_t c = 0; c < g.C; c++)
    for (int64_t t = 0; t < T; t++) {
      const float* base = xp + c * cstride + bases[t];
      float* row = col + (c * T + t) * ld;
      int64_t oy = 0;
      if (g.Wo <= 8)  // one vector a row (DCGAN's 7-wide outputs): no loop over the row's vectors
        for (; oy < over; oy++)
          *reinterpret_cast<v8*>(row + oy * g.Wo) = *reinterpret_cast<const v8*>(base + oy * step);
      for (; oy < over; oy++) copy_run8_over(base + oy * step, row + oy * g.Wo, g.Wo);
      for (; oy < g.Ho; oy++) copy_run8(base + oy * step, row + oy * g.Wo, g.Wo);
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
// With `relu`, max(x, 0) is gathered instead of x (as the relu op computes it: NaN and -0 give 0). The strided
// gather may overwrite `spill` floats after the image's columns in each row (see im2col_padded).
void im2col(const ConvGeom& g, const Taps& taps, const float* x, float* col, int64_t ld, bool relu = false,
            int64_t spill = 0) {
  if (use_permuted(g) && g.W > 16) return im2col_permuted<true>(g, taps, x, col, ld, relu, spill);
  if (use_permuted(g)) return im2col_permuted<false>(g, taps, x, col, ld, relu, spill);
  if (use_padded(g)) return im2col_padded(g, taps, x, col, ld, relu, spill);
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

// col2im into the zeroed phase-split padded image, whose interior is then the gradient. Each entry receives its
// terms in the order of the unsplit loops (taps increasing), so the sums do not depend on the split.
void col2im_padded(const ConvGeom& g, const Taps& taps, const float* col, int64_t ld, float* x) {
  const int64_t T = taps.size(), step = g.sh * phase_w(g), cstride = g.sw * padded_h(g) * phase_w(g);
  float* xp = scratch(2, phased_size(g));
  std::memset(xp, 0, phased_size(g) * sizeof(float));
  const std::vector<int64_t> bases = tap_bases(g, taps);
  for (int64_t c = 0; c < g.C; c++)
    for (int64_t t = 0; t < T; t++) {
      float* base = xp + c * cstride + bases[t];
      const float* row = col + (c * T + t) * ld;
      for (int64_t oy = 0; oy < g.Ho; oy++) add_run8(row + oy * g.Wo, base + oy * step, g.Wo);
    }
  const int64_t nq = std::min(g.sw, g.W);
  for (int64_t c = 0; c < g.C; c++)
    for (int64_t y = 0; y < g.H; y++) {
      float* dst = x + (c * g.H + y) * g.W;
      for (int64_t q = 0; q < nq; q++) {
        const float* src = xp + phased_at(g, c, y, q);
        for (int64_t ix = q, k = 0; ix < g.W; ix += g.sw, k++) dst[ix] = src[k];
      }
    }
}

// The adjoint of im2col: x[c, iy, ix] = Σ col[...] over the entries that read it (x is overwritten). col is scratch:
// the shifted form zeroes some of its entries.
void col2im(const ConvGeom& g, const Taps& taps, float* col, int64_t ld, float* x) {
  if (use_permuted(g)) return col2im_permuted(g, taps, col, ld, x);
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

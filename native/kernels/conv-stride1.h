// Stride-1 convolutions without a column matrix. Included by conv.cc only (one translation unit per ISA path).
//
// In place: with the image copied once into a zero-padded plane per channel, Wp = W + 2·pw floats wide, output
// pixel (oy, ox) of tap (i, j) reads the plane at (oy·Wp + ox) + (i·dh·Wp + j·dw). Computed on an output grid
// Ho x Wp, every row of the column matrix is then the padded plane itself, shifted by its tap's offset: the GEMM
// reads those rows where they lie (sgemm_rows, sgemm_arows) and im2col disappears. The grid's last (kw-1)·dw columns
// of each row are not outputs (they read across the row's end); they cost that share of extra multiply-adds (2 of
// 30 for a 3x3 on 28x28) and are dropped when the result is copied out with its bias, residual and ReLU (forward),
// or enter as zeros of the output gradient (weight gradient).
//
// Mirrored: the input gradient of a stride-1 convolution is itself a stride-1 convolution, of the output gradient,
// with the kernel mirrored (tap (i, j) becomes (kh-1-i, kw-1-j)) and its channels swapped, padded by (k-1)·d - p
// so that its output is the input's size. Run that way, the product has C rows and a depth of Cout·T (forward's
// shape) instead of C·T rows and a depth of Cout, and no col2im follows: PixelCNN's mask-B layer (32 channels, 5
// taps) wrote a 160-row column matrix after only 32 steps of depth, then added it back into the image.
#pragma once
#include <algorithm>
#include <cstring>
#include <vector>
#include "isa.h"
#include "simd.h"
#include "conv-gather.h"

namespace dg {
namespace DG_ISA_NS {

// gemm.cc: C = A · B + beta·C with B's row p at brows[p], or with A's row i at arows[i] (serial)
void sgemm_rows(int64_t m, int64_t n, int64_t k, const float* A, int64_t lda, const float* const* brows, float beta,
                float* C, int64_t ldc);
void sgemm_arows(int64_t m, int64_t n, int64_t k, const float* const* arows, const float* B, int64_t ldb, bool tB,
                 float beta, float* C, int64_t ldc);

namespace {

// Where the in-place form serves: stride 1, images of at least 256 outputs (one image per product), at least 8
// input channels (the padded copy is then cheap beside the product), at most a quarter of the grid wasted, and the
// images enough to keep every thread busy (the product itself runs on one).
bool in_place_serves(const ConvGeom& g, const Taps& taps, int threads) {
  return (threads <= 1 || g.N >= threads) && g.sh == 1 && g.sw == 1 && g.C >= 8 && g.Ho * g.Wo >= 256 &&
         !is_pointwise(g, taps) && 4 * (g.kw - 1) * g.dw <= g.Wo;
}

// The padded copy of one image (x⁺ with `reluIn`) in scratch slot 2, and the rows of its column matrix: row c·T + t
// is channel c's plane shifted by tap t's offset.
const float* const* padded_rows(const ConvGeom& g, const Taps& taps, const float* x, bool reluIn) {
  const int64_t T = taps.size(), Wp = g.W + 2 * g.pw, plane = (g.H + 2 * g.ph + 1) * Wp, HW = g.H * g.W;
  float* xp = scratch(2, g.C * plane);
  std::memset(xp, 0, g.C * plane * sizeof(float));
  for (int64_t c = 0; c < g.C; c++)
    for (int64_t y = 0; y < g.H; y++) {
      const float* src = x + c * HW + y * g.W;
      float* dst = xp + c * plane + (y + g.ph) * Wp + g.pw;
      if (reluIn)
        for (int64_t i = 0; i < g.W; i++) dst[i] = src[i] > 0.f ? src[i] : 0.f;
      else
        std::memcpy(dst, src, g.W * sizeof(float));
    }
  static thread_local std::vector<const float*> rows;
  rows.resize(g.C * T);
  for (int64_t c = 0; c < g.C; c++)
    for (int64_t t = 0; t < T; t++) {
      const int64_t i = taps.list[t] / g.kw, j = taps.list[t] % g.kw;
      rows[c * T + t] = xp + c * plane + i * g.dh * Wp + j * g.dw;
    }
  return rows.data();
}

// out (one image, [Cout, Ho, Wo]) = conv(x⁺) + bias + residual, rectified when `reluOut` (leaky with a slope ≠ 0);
// x⁺ = max(x, 0) with `reluIn`. wc is the compact weight [Cout, C·T]; bias and residual (one image) may be null.
void conv_in_place(const ConvGeom& g, const Taps& taps, const float* wc, const float* x, bool reluIn,
                   const float* bias, const float* residual, bool reluOut, float slope, float* out) {
  const int64_t K = g.C * taps.size(), Wp = g.W + 2 * g.pw, grid = g.Ho * Wp;
  const float* const* rows = padded_rows(g, taps, x, reluIn);
  float* yb = scratch(1, g.Cout * grid);  // only now: x may be the caller's slot 1 (a masked output gradient)
  sgemm_rows(g.Cout, grid, K, wc, K, rows, 0.f, yb, grid);
  for (int64_t o = 0; o < g.Cout; o++)
    for (int64_t oy = 0; oy < g.Ho; oy++) {
      const int64_t at = (o * g.Ho + oy) * g.Wo;
      finish_row(yb + o * grid + oy * Wp, out + at, g.Wo, bias ? bias[o] : 0.f, residual ? residual + at : nullptr,
                 reluOut, slope);
    }
}

// acc[C·T, Cout] += the weight gradient of one image, transposed: the column matrix's rows in place times gzᵀ, with
// gz (the image's output gradient, [Cout, Ho, Wo]) laid out on the grid (zeros in the columns that are not outputs,
// in scratch slot 0). For the products where the columns are the larger operand (C·T > Cout).
void weight_grad_in_place(const ConvGeom& g, const Taps& taps, const float* x, bool reluIn, const float* gz,
                          float* acc) {
  const int64_t K = g.C * taps.size(), Wp = g.W + 2 * g.pw, grid = g.Ho * Wp;
  float* gg = scratch(0, g.Cout * grid);
  for (int64_t o = 0; o < g.Cout; o++)
    for (int64_t oy = 0; oy < g.Ho; oy++) {
      float* dst = gg + o * grid + oy * Wp;
      std::memcpy(dst, gz + (o * g.Ho + oy) * g.Wo, g.Wo * sizeof(float));
      std::memset(dst + g.Wo, 0, (Wp - g.Wo) * sizeof(float));
    }
  sgemm_arows(K, g.Cout, grid, padded_rows(g, taps, x, reluIn), gg, grid, true, 1.f, acc, g.Cout);
}

struct Flipped {
  ConvGeom g;
  Taps taps;
  std::vector<float> w;  // [C, Cout·T]: w[c, o·T + t] = weight[o, c, tap t]
  Flipped(const ConvGeom& f, const Taps& t, const float* weight) : g(f), taps(t) {
    g.C = f.Cout; g.Cout = f.C; g.H = f.Ho; g.W = f.Wo; g.Ho = f.H; g.Wo = f.W;
    g.ph = (f.kh - 1) * f.dh - f.ph; g.pw = (f.kw - 1) * f.dw - f.pw;
    const int64_t T = t.size(), KK = f.kh * f.kw;
    for (int64_t i = 0; i < T; i++) taps.list[i] = int32_t(KK - 1 - t.list[i]);
    taps.all = false;
    w.resize(f.C * f.Cout * T);
    for (int64_t c = 0; c < f.C; c++)
      for (int64_t o = 0; o < f.Cout; o++)
        for (int64_t i = 0; i < T; i++) w[(c * f.Cout + o) * T + i] = weight[(o * f.C + c) * KK + t.list[i]];
  }
  // Enough input channels to fill the product's rows, and images of at least 256 pixels.
  static bool serves(const ConvGeom& g) {
    return g.sh == 1 && g.sw == 1 && g.C >= 16 && g.Ho * g.Wo >= 256 && g.ph <= (g.kh - 1) * g.dh &&
           g.pw <= (g.kw - 1) * g.dw;
  }
  // gx (one image, [C, H, W]) from gz (its output gradient, [Cout, Ho, Wo]), through the caller's column scratch
  // (slot 0, Cout·T rows) unless the mirrored convolution reads its taps in place
  void input_grad(const float* gz, float* gx, float* col, int threads) const {
    if (in_place_serves(g, taps, threads))
      return conv_in_place(g, taps, w.data(), gz, false, nullptr, nullptr, false, 0.f, gx);
    const int64_t K = g.C * taps.size(), P = g.Ho * g.Wo, ldc = padded_ld(P);
    im2col(g, taps, gz, col, ldc, false, ldc - P);
    sgemm(g.Cout, P, K, 1.f, w.data(), K, false, col, ldc, false, 0.f, gx, P, threads);
  }
};

}  // namespace
}  // namespace DG_ISA_NS
}  // namespace dg

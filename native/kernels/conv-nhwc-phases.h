// The input gradient of a strided convolution by phases of the input, channels-last (see conv-nhwc.h, whose tiles
// and layouts it uses). Included by conv.cc only (one translation unit per ISA path).
#pragma once
#include <algorithm>
#include <cstring>
#include <vector>
#include "conv-nhwc.h"

namespace dg {
namespace DG_ISA_NS {
namespace {

// The input gradient by phases of the input, as forward products. Input pixel (iy, ix) sits at padded (Y, X) =
// (iy + ph, ix + pw), and tap (i, j) of output pixel (oy, ox) reads it where Y = oy·sh + i·dh, X = ox·sw + j·dw.
// So the pixels of one phase, (Y mod sh, X mod sw) = (py, px), receive from the taps with i·dh ≡ py and j·dw ≡ px
// only, each from output pixel (a - qi, b - qj) where Y = a·sh + py and qi = (i·dh - py)/sh (likewise qj): at a
// fixed offset per tap from the pixel's base in a zero-bordered channels-last copy of gz. Each phase is then a
// forward product (tile_forward) reducing over its taps × Cout, written once per pixel: no scattered adds. On
// DCGAN's 4x4 layer (4 taps a phase) its tiles reduce over 512 floats, where one tap's adds reduced over 128.
struct GxPhases {
  struct Phase {
    std::vector<int64_t> off;    // per tap of the phase: its offset from a pixel's base in the gz copy, in floats
    std::vector<int64_t> base;   // per pixel of the phase: its base in one image's gz copy
    std::vector<int64_t> dst;    // per pixel: its row in one image's padded channels-last gradient (Nhwc layout)
    int64_t weight = 0;          // where its packed weight starts: per panel of NR input channels, [taps·Cout, NR]
  };
  int64_t Bh, Bw, Hq, Wq, image;  // the gz copy: Bh rows and Bw columns of zeros first; Hq·Wq·Cout floats an image
  std::vector<Phase> phases;
  std::vector<float> w;
  bool complete = true;  // every pixel's phase has a tap (else the gradient image must be cleared first)

  GxPhases(const Nhwc& L, const Taps& taps, const float* weights) {
    const ConvGeom& g = L.g;
    const int64_t T = taps.size(), K = T * g.C, Co = g.Cout;
    Bh = (g.kh - 1) * g.dh / g.sh;
    Bw = (g.kw - 1) * g.dw / g.sw;
    Hq = Bh + std::max(g.Ho, (g.ph + g.H - 1) / g.sh + 1);
    Wq = Bw + std::max(g.Wo, (g.pw + g.W - 1) / g.sw + 1);
    image = Hq * Wq * Co;
    phases.resize(g.sh * g.sw);
    std::vector<std::vector<int64_t>> tapsOf(phases.size());
    for (int64_t t = 0; t < T; t++) {
      const int64_t i = taps.list[t] / g.kw * g.dh, j = taps.list[t] % g.kw * g.dw;
      const int64_t py = i % g.sh, px = j % g.sw, f = py * g.sw + px;
      phases[f].off.push_back(-((i - py) / g.sh * Wq + (j - px) / g.sw) * Co);
      tapsOf[f].push_back(t);
    }
    for (int64_t iy = 0; iy < g.H; iy++)
      for (int64_t ix = 0; ix < g.W; ix++) {
        const int64_t Y = iy + g.ph, X = ix + g.pw;
        Phase& P = phases[Y % g.sh * g.sw + X % g.sw];
        P.base.push_back(((Y / g.sh + Bh) * Wq + X / g.sw + Bw) * Co);
        P.dst.push_back((Y * L.Wp + X) * g.C);
      }
    const std::vector<float> tm = tap_major_weight(g, taps, weights);
    w.resize(Co * K);
    float* d = w.data();
    for (size_t f = 0; f < phases.size(); f++) {
      phases[f].weight = d - w.data();
      if (phases[f].off.empty() && !phases[f].base.empty()) complete = false;
      for (int64_t p = 0; p < g.C; p += kNR)
        for (int64_t t : tapsOf[f])
          for (int64_t o = 0; o < Co; o++, d += kNR)
            std::memcpy(d, tm.data() + o * K + t * g.C + p, kNR * sizeof(float));
    }
  }
};

// gx (images [n0, n1), NCHW) from gz (channels-last, unpadded), phase by phase through a padded channels-last
// gradient image in scratch slot 3; masked by x > 0 with reluIn.
void nhwc_input_grad(const Nhwc& L, const GxPhases& X, const float* gz, const float* x, bool reluIn, float* gx,
                     int64_t n0, int64_t n1) {
  const ConvGeom& g = L.g;
  const int64_t n = n1 - n0, Co = g.Cout, CHW = g.C * g.H * g.W, tb = std::max<int64_t>(1, 512 / Co);
  float* gzp = scratch(2, n * X.image);
  std::memset(gzp, 0, n * X.image * sizeof(float));
  for (int64_t i = 0; i < n; i++)
    for (int64_t oy = 0; oy < g.Ho; oy++)
      std::memcpy(gzp + i * X.image + ((oy + X.Bh) * X.Wq + X.Bw) * Co, gz + (i * L.P + oy * g.Wo) * Co,
                  g.Wo * Co * sizeof(float));
  float* gxp = scratch(3, n * L.image);
  if (!X.complete) std::memset(gxp, 0, n * L.image * sizeof(float));
  static thread_local std::vector<const float*> a;
  static thread_local std::vector<float*> dst;
  alignas(64) float spare[kNR];
  float* rows[kMR];
  for (const GxPhases::Phase& P : X.phases) {
    const int64_t T = P.off.size(), np = P.base.size(), m = n * np;
    if (T == 0 || np == 0) continue;
    a.resize(m + kMR);
    dst.resize(m);
    for (int64_t i = 0; i < n; i++)
      for (int64_t k = 0; k < np; k++) {
        a[i * np + k] = gzp + i * X.image + P.base[k];
        dst[i * np + k] = gxp + i * L.image + P.dst[k];
      }
    for (int64_t r = 0; r < kMR; r++) a[m + r] = a[0];
    for (int64_t i0 = 0; i0 < m; i0 += kMR)
      for (int64_t c = 0; c < g.C; c += kNR) {
        for (int64_t r = 0; r < kMR; r++) rows[r] = i0 + r < m ? dst[i0 + r] + c : spare;
        const float* wp = X.w.data() + P.weight + c * T * Co;
        for (int64_t t0 = 0; t0 < T; t0 += tb)
          tile_forward(a.data() + i0, P.off.data(), t0, std::min(T, t0 + tb), Co, wp + t0 * Co * kNR, rows, t0 > 0);
      }
  }
  L.from_channels_last(gxp, n, reluIn ? x + n0 * CHW : nullptr, reluIn, gx + n0 * CHW);
}

}  // namespace
}  // namespace DG_ISA_NS
}  // namespace dg

// Strided convolutions as implicit GEMM over a channels-last copy of the image. Included by conv.cc only (one
// translation unit per ISA path).
//
// Through im2col, a strided convolution writes a column matrix (one row per channel and tap) only for the GEMM to
// read it back, and its input gradient writes another for col2im to add into the image. On DCGAN's 4x4 layer
// (64 -> 128 channels, 14x14 -> 7x7, 64 images) those copies were 12-21 % of each pass, and the GEMM's last column
// panel of each group of images computed 13 columns past its end (147 as 160). Channels-last, the entries of one
// tap for one output pixel are C consecutive floats of the zero-padded image xp (Hp x Wp pixels of C channels), at
//   base(pixel) + off(tap),  base = (oy·sh·Wp + ox·sw)·C,  off = (i·dh·Wp + j·dw)·C,
// so with output pixels as the rows of the product nothing is gathered:
//   forward          out[pixel, o]      = Σ_t Σ_c xp[base + off_t + c] · w[o, c, t]
//   weight gradient  gw[(t, c), o]      = Σ_pixel xp[base + off_t + c] · gz[pixel, o]
//   input gradient   gxp[base + off_t + c] += Σ_o gz[pixel, o] · w[o, c, t]
// and the input gradient, gathered per input pixel instead (GxPhases, conv-nhwc-phases.h), is a forward product over
// a padded channels-last copy of gz: no col2im, no scattered adds.
// The copies left move each tensor once between layouts (the image in, its gradient out, the output and its gradient)
// instead of once per tap, and the product has no column tail: pixels come in panels of MR, channels in panels of NR.
// The micro-tiles are gemm.cc's shape (MR pixels x 2 vectors). Where it serves: strided, every channel count a
// multiple of NR (no partial panels), at least as many images as threads (each thread takes whole images); the
// weight gradient only with AVX-512 (nhwc_serves).
#pragma once
#include <algorithm>
#include <cstring>
#include <vector>
#include "conv-gather.h"
#include "conv-taps.h"
#include "gemm-tile.h"
#include "isa.h"
#include "simd.h"

namespace dg {
namespace DG_ISA_NS {
namespace {

// gemm.cc's register blocking (gemm-tile.h): MR rows by two vectors
constexpr int kMR = MR;
constexpr int kNR = NR;

// The weight gradient only with AVX-512: on DCGAN's 4x4 layers (Zen 5, in turns with the column-matrix path, one and
// two threads) the forward ran 11-17 % faster channels-last on both paths, and the input gradient by phases 5-6 %
// (AVX-512 against the channels-last scattered adds before it) and 6-7 % (AVX2, against im2col and col2im) faster;
// the weight gradient 2-10 % faster with AVX-512 but 1-4 % slower with AVX2 (its 6 x 16 tiles over short pixel
// reductions), which keeps the column matrix for it.
enum class Pass { forward, inputGrad, weightGrad };
bool nhwc_serves(const ConvGeom& g, int threads, Pass pass) {
  return (g.sh > 1 || g.sw > 1) && g.C % kNR == 0 && g.Cout % kNR == 0 && (threads <= 1 || g.N >= threads) &&
         (pass != Pass::weightGrad || VW >= 16);
}

typedef float v8t __attribute__((vector_size(32)));
typedef float v8t_u __attribute__((vector_size(32), aligned(4)));

// The 8 x 8 block at src (rows lds apart) transposed into dst (rows ldd apart), f(v) applied to each row read.
template <class F>
inline void transpose8(const float* src, int64_t lds, float* dst, int64_t ldd, F f) {
  v8t r[8], t[8], u[8];
  for (int i = 0; i < 8; i++) f(r[i] = *reinterpret_cast<const v8t_u*>(src + i * lds));
  for (int i = 0; i < 8; i += 2) {
    t[i] = __builtin_shufflevector(r[i], r[i + 1], 0, 8, 1, 9, 4, 12, 5, 13);
    t[i + 1] = __builtin_shufflevector(r[i], r[i + 1], 2, 10, 3, 11, 6, 14, 7, 15);
  }
  for (int i = 0; i < 8; i += 4)
    for (int h = 0; h < 2; h++) {
      u[i + 2 * h] = __builtin_shufflevector(t[i + h], t[i + h + 2], 0, 1, 8, 9, 4, 5, 12, 13);
      u[i + 2 * h + 1] = __builtin_shufflevector(t[i + h], t[i + h + 2], 2, 3, 10, 11, 6, 7, 14, 15);
    }
  for (int j = 0; j < 4; j++) {
    *reinterpret_cast<v8t_u*>(dst + j * ldd) = __builtin_shufflevector(u[j], u[j + 4], 0, 1, 2, 3, 8, 9, 10, 11);
    *reinterpret_cast<v8t_u*>(dst + (j + 4) * ldd) =
        __builtin_shufflevector(u[j], u[j + 4], 4, 5, 6, 7, 12, 13, 14, 15);
  }
}

// dst[j·ldd + i] = f(src row i)[j] for i < rows, j < cols, in 8 x 8 blocks (the last ones overlapping the ones
// before: the values are the same) or one float at a time where a side is shorter than 8. f(v) changes the 8 floats
// read from a row in place (single floats go through it as the first lane of a vector).
template <class F>
void transpose(const float* src, int64_t lds, float* dst, int64_t ldd, int64_t rows, int64_t cols, F f) {
  if (rows < 8 || cols < 8) {
    for (int64_t i = 0; i < rows; i++)
      for (int64_t j = 0; j < cols; j++) {
        v8t v = src[i * lds + j] + v8t{};
        f(v);
        dst[j * ldd + i] = v[0];
      }
    return;
  }
  for (int64_t i0 = 0; i0 < rows; i0 += 8) {
    const int64_t i = std::min(i0, rows - 8);
    for (int64_t j0 = 0; j0 < cols; j0 += 8) {
      const int64_t j = std::min(j0, cols - 8);
      transpose8(src + i * lds + j, lds, dst + j * ldd + i, ldd, f);
    }
  }
}
const auto kAsIs = [](v8t&) {};
const auto kRelu = [](v8t& v) { v = v > v8t{} ? v : v8t{}; };

// The layout of one image's padded channels-last copy and the tap offsets into it.
struct Nhwc {
  const ConvGeom& g;
  int64_t Hp, Wp, image, P, T;
  std::vector<int64_t> off;  // per live tap, in floats
  Nhwc(const ConvGeom& geom, const Taps& taps)
      : g(geom), Hp(geom.H + 2 * geom.ph), Wp(geom.W + 2 * geom.pw), P(geom.Ho * geom.Wo), T(taps.size()) {
    image = Hp * Wp * g.C;
    for (int32_t t : taps.list) off.push_back((t / g.kw * g.dh * Wp + t % g.kw * g.dw) * g.C);
  }
  // Images per group: enough pixels for several row panels, and at least one group per thread.
  int64_t group(int threads) const {
    const int64_t want = (16 * kMR + P - 1) / P;
    return std::max<int64_t>(1, std::min(want, g.N / std::max(1, threads)));
  }
  // base pointers of the pixels of images [0, n) of a group whose copy starts at xp; kMR spare copies of the first
  // at the end, so a last partial panel reads valid memory
  const float* const* bases(const float* xp, int64_t n) const {
    static thread_local std::vector<const float*> b;
    b.resize(n * P + kMR);
    for (int64_t i = 0; i < n; i++)
      for (int64_t oy = 0; oy < g.Ho; oy++)
        for (int64_t ox = 0; ox < g.Wo; ox++)
          b[(i * g.Ho + oy) * g.Wo + ox] = xp + i * image + (oy * g.sh * Wp + ox * g.sw) * g.C;
    for (int64_t r = 0; r < kMR; r++) b[n * P + r] = b[0];
    return b.data();
  }
  // xp = images x[0, n) (NCHW) channels-last with a zero border, rectified with `relu`
  void to_channels_last(const float* x, int64_t n, bool relu, float* xp) const {
    const int64_t C = g.C, HW = g.H * g.W, row = Wp * C;
    for (int64_t i = 0; i < n; i++) {
      float* d = xp + i * image;
      std::memset(d, 0, g.ph * row * sizeof(float));
      std::memset(d + (g.ph + g.H) * row, 0, (Hp - g.ph - g.H) * row * sizeof(float));
      for (int64_t y = 0; y < g.H; y++) {
        float* r = d + (y + g.ph) * row;
        std::memset(r, 0, g.pw * C * sizeof(float));
        std::memset(r + (g.pw + g.W) * C, 0, (Wp - g.pw - g.W) * C * sizeof(float));
        const float* s = x + i * C * HW + y * g.W;
        const float* next = y + 1 < g.H ? s + g.W : i + 1 < n ? x + (i + 1) * C * HW : nullptr;
        if (next)  // the next row's 64 channel segments (784 bytes apart in DCGAN's layer), while this one is copied
          for (int64_t c = 0; c < C; c++) __builtin_prefetch(next + c * HW);
        if (relu) transpose(s, HW, r + g.pw * C, C, C, g.W, kRelu);
        else transpose(s, HW, r + g.pw * C, C, C, g.W, kAsIs);
      }
    }
  }
  // gx (NCHW, n images) = the interior of gxp, masked by x > 0 with `relu` (the input was rectified)
  void from_channels_last(const float* gxp, int64_t n, const float* x, bool relu, float* gx) const {
    const int64_t C = g.C, HW = g.H * g.W;
    for (int64_t i = 0; i < n; i++) {
      for (int64_t y = 0; y < g.H; y++)
        transpose(gxp + i * image + ((y + g.ph) * Wp + g.pw) * C, C, gx + i * C * HW + y * g.W, HW, g.W, C, kAsIs);
      if (relu) mask_by_sign(gx + i * C * HW, x + i * C * HW, gx + i * C * HW, C * HW, 0.f);
    }
  }
};

// The live taps' weights of each output channel tap-major: tm[(o·T + t)·C + c] = w[o, c, tap t]. Each channel's
// weights (C·kh·kw floats, 4 KB in DCGAN's layer) are read where they lie in L1; the packings below are then
// vector transposes and contiguous copies.
std::vector<float> tap_major_weight(const ConvGeom& g, const Taps& taps, const float* w) {
  const int64_t T = taps.size(), KK = g.kh * g.kw, C = g.C;
  std::vector<float> tm(g.Cout * T * C);
  for (int64_t o = 0; o < g.Cout; o++)
    for (int64_t t = 0; t < T; t++) {
      const float* s = w + o * C * KK + taps.list[t];
      float* d = tm.data() + (o * T + t) * C;
      for (int64_t c = 0; c < C; c++) d[c] = s[c * KK];
    }
  return tm;
}

// The weight as the forward reads it: panels of NR output channels, each [T·C, NR] with rows (tap, channel).
std::vector<float> pack_forward_weight(const ConvGeom& g, const Taps& taps, const float* w) {
  const int64_t K = taps.size() * g.C;
  const std::vector<float> tm = tap_major_weight(g, taps, w);
  std::vector<float> b(g.Cout * K);
  for (int64_t j = 0; j < g.Cout; j += kNR) transpose(tm.data() + j * K, K, b.data() + j * K, kNR, kNR, K, kAsIs);
  return b;
}

// c[r][0..NR) (+)= Σ over taps [t0, t1) and channels q < C of a[r][off[t] + q] · b[(t - t0)·C + q, 0..NR), for the
// kMR pixels whose copies start at a[r]. Writes all kMR rows (the caller points rows past its end at spare memory).
inline void tile_forward(const float* const* a, const int64_t* off, int64_t t0, int64_t t1, int64_t C,
                         const float* __restrict b, float* const* c, bool accumulate) {
  vf acc0[kMR], acc1[kMR];
#pragma GCC unroll 8
  for (int r = 0; r < kMR; r++) {
    acc0[r] = accumulate ? vload(c[r]) : vf{};
    acc1[r] = accumulate ? vload(c[r] + VW) : vf{};
  }
  for (int64_t t = t0; t < t1; t++) {
    const float* ar[kMR];
    for (int r = 0; r < kMR; r++) ar[r] = a[r] + off[t];
    const float* bt = b + (t - t0) * C * kNR;
    for (int64_t q = 0; q < C; q++) {
      const vf b0 = vload(bt + q * kNR), b1 = vload(bt + q * kNR + VW);
#pragma GCC unroll 8
      for (int r = 0; r < kMR; r++) {
        const vf av = vset1(ar[r][q]);
        acc0[r] += av * b0;
        acc1[r] += av * b1;
      }
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < kMR; r++) {
    vstore(c[r], acc0[r]);
    vstore(c[r] + VW, acc1[r]);
  }
}

// c[r, 0..NR) += Σ_{p < M} xp(p)[roff[r]] · gz[p·ldg + 0..NR), r < mr: kMR rows (tap, channel) of the weight
// gradient, transposed, whose entries for pixel p lie at base[p] + roff[r].
inline void tile_weight_grad(int64_t M, const float* const* base, const int64_t* roff, const float* __restrict gz,
                             int64_t ldg, float* c, int64_t ldc, int64_t mr) {
  vf acc0[kMR] = {}, acc1[kMR] = {};
  int64_t ro[kMR];
  for (int r = 0; r < kMR; r++) ro[r] = roff[std::min<int64_t>(r, mr - 1)];
  for (int64_t p = 0; p < M; p++) {
    const float* ap = base[p];
    const vf b0 = vload(gz + p * ldg), b1 = vload(gz + p * ldg + VW);
#pragma GCC unroll 8
    for (int r = 0; r < kMR; r++) {
      const vf av = vset1(ap[ro[r]]);
      acc0[r] += av * b0;
      acc1[r] += av * b1;
    }
  }
  for (int64_t r = 0; r < mr; r++) {
    vstore(c + r * ldc, vload(c + r * ldc) + acc0[r]);
    vstore(c + r * ldc + VW, vload(c + r * ldc + VW) + acc1[r]);
  }
}

// out (images [n0, n1)) = conv(x⁺) + bias + residual, rectified when `reluOut` (leaky with a slope ≠ 0).
// wf: pack_forward_weight.
void nhwc_forward(const Nhwc& L, const float* wf, const float* x, bool reluIn, const float* bias,
                  const float* residual, bool reluOut, float slope, float* out, int64_t n0, int64_t n1) {
  const ConvGeom& g = L.g;
  const int64_t n = n1 - n0, M = n * L.P, K = L.T * g.C, CHW = g.C * g.H * g.W;
  float* xp = scratch(2, n * L.image);
  L.to_channels_last(x + n0 * CHW, n, reluIn, xp);
  const float* const* base = L.bases(xp, n);
  float* y = scratch(1, (M + kMR) * g.Cout);  // [pixel, Cout]
  // taps per call: the weight's block (taps·C rows of NR) stays within ~64 KB
  const int64_t tb = std::max<int64_t>(1, 512 / g.C);
  float* rows[kMR];
  for (int64_t i0 = 0; i0 < M; i0 += kMR)
    for (int64_t j = 0; j < g.Cout; j += kNR) {
      for (int r = 0; r < kMR; r++) rows[r] = y + (i0 + r) * g.Cout + j;
      for (int64_t t0 = 0; t0 < L.T; t0 += tb)
        tile_forward(base + i0, L.off.data(), t0, std::min(L.T, t0 + tb), g.C, wf + j * K + t0 * g.C * kNR, rows,
                     t0 > 0);
    }
  for (int64_t i = 0; i < n; i++) {
    float* oi = out + (n0 + i) * g.Cout * L.P;
    transpose(y + i * L.P * g.Cout, g.Cout, oi, L.P, L.P, g.Cout, kAsIs);
    if (!bias && !residual && !reluOut) continue;
    for (int64_t o = 0; o < g.Cout; o++) {
      float* d = oi + o * L.P;
      finish_row(d, d, L.P, bias ? bias[o] : 0.f, residual ? residual + (d - out) : nullptr, reluOut, slope);
    }
  }
}

// gz[pixel, o] of images [n0, n1) (channels-last, in scratch slot 0): gy masked by the output's sign when it was
// rectified (`reluOut`); the bias gradient's partial sums added into gb when given.
const float* nhwc_output_grad(const Nhwc& L, bool reluOut, float slope, const float* y, const float* gy, int64_t n0,
                              int64_t n1, float* gb) {
  const ConvGeom& g = L.g;
  const int64_t n = n1 - n0;
  float* gz = scratch(0, (n * L.P + kMR) * g.Cout);
  for (int64_t i = 0; i < n; i++) {
    const int64_t at = (n0 + i) * g.Cout * L.P;
    const float *src = gy + at, *yi = reluOut ? y + at : nullptr;
    float* d = gz + i * L.P * g.Cout;
    transpose(src, L.P, d, g.Cout, g.Cout, L.P, kAsIs);
    if (reluOut) {
      float* m = scratch(1, L.P * g.Cout);  // the sign of y, transposed the same way
      transpose(yi, L.P, m, g.Cout, g.Cout, L.P, kAsIs);
      mask_by_sign(d, m, d, L.P * g.Cout, slope);
    }
    if (gb)
      for (int64_t o = 0; o < g.Cout; o += VW) {
        vf sum{};
        for (int64_t p = 0; p < L.P; p++) sum += vload(d + p * g.Cout + o);
        vstore(gb + o, vload(gb + o) + sum);
      }
  }
  std::memset(gz + n * L.P * g.Cout, 0, kMR * g.Cout * sizeof(float));  // the last panel's spare rows
  return gz;
}

// acc[(tap, channel), Cout] += the weight gradient of images [n0, n1) whose channels-last copies are at xp
void nhwc_weight_grad(const Nhwc& L, const float* xp, const float* gz, int64_t n0, int64_t n1, float* acc) {
  const ConvGeom& g = L.g;
  const int64_t M = (n1 - n0) * L.P, K = L.T * g.C;
  const float* const* base = L.bases(xp, n1 - n0);
  int64_t roff[kMR];
  for (int64_t k0 = 0; k0 < K; k0 += kMR) {
    const int64_t mr = std::min<int64_t>(kMR, K - k0);
    for (int64_t r = 0; r < mr; r++) roff[r] = L.off[(k0 + r) / g.C] + (k0 + r) % g.C;
    for (int64_t j = 0; j < g.Cout; j += kNR)
      tile_weight_grad(M, base, roff, gz + j, g.Cout, acc + k0 * g.Cout + j, g.Cout, mr);
  }
}

}  // namespace
}  // namespace DG_ISA_NS
}  // namespace dg

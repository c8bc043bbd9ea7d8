// Convolution through im2col + SGEMM, NCHW. 1x1 stride-1 convolutions skip im2col. A convolution may name its live
// kernel taps (positions i*kw + j); the column matrix then holds only those rows, so a masked convolution does the
// work of its visible taps only (PixelCNN's 3x3 mask B: 5 of 9, 7x7 mask A: 24 of 49). The weight stays
// [Cout, C, kh, kw]; its entries at other taps are ignored and receive zero gradient.
// Images (or groups of small images) are split across threads, each running a serial GEMM on its own buffers
// (conv-groups.h). Strided convolutions with suitable channel counts skip im2col too (channels-last, conv-nhwc.h).
// The fused variants apply a ReLU to the input (pre-activation) and/or the output while each image's block is still
// in cache, and compute every gradient in one pass over the batch: on PixelCNN's [32, 64, 28, 28] activations the
// separate elementwise passes and their fresh buffers cost as much as the 1x1 GEMMs themselves.
#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>
#include "isa.h"
#include "parallel.h"
#include "simd.h"
#include "conv-gather.h"
#include "conv-groups.h"
#include "conv-nhwc.h"
#include "conv-nhwc-phases.h"
#include "conv-stride1.h"

namespace dg {
namespace DG_ISA_NS {

// Flags of the fused convolution (kernels.h): ReLU on the input, ReLU on the output (leaky with a positive slope).
constexpr int kReluIn = 1, kReluOut = 2;

namespace {

// The weight as the GEMM reads it, [Cout, C*T]: w itself when every tap is live, else the live columns copied out.
const float* compact_weight(const ConvGeom& g, const Taps& taps, const float* w, std::vector<float>& buf) {
  if (taps.all) return w;
  const int64_t T = taps.size(), KK = g.kh * g.kw;
  buf.resize(g.Cout * g.C * T);
  for (int64_t oc = 0; oc < g.Cout * g.C; oc++)
    for (int64_t t = 0; t < T; t++) buf[oc * T + t] = w[oc * KK + taps.list[t]];
  return buf.data();
}

// max(v, 0) as the relu op computes it (NaN and -0 give 0), or v > 0 ? v : slope·v as leakyRelu does when slope ≠ 0
void relu_inplace(float* p, int64_t n, float slope) {
  int64_t i = 0;
  if (slope == 0.f) {
    for (; i + VW <= n; i += VW) vstore(p + i, vmax(vload(p + i), vf{}));
    for (; i < n; i++) p[i] = p[i] > 0.f ? p[i] : 0.f;
    return;
  }
  const vf s = vset1(slope);
  for (; i + VW <= n; i += VW) {
    const vf v = vload(p + i);
    vstore(p + i, v > vf{} ? v : v * s);
  }
  for (; i < n; i++) p[i] = p[i] > 0.f ? p[i] : slope * p[i];
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

void forward(const ConvGeom& g, const Taps& taps, int flags, float slope, const float* x, const float* w,
             const float* bias, float* out, const float* residual = nullptr) {
  const int64_t K = g.C * taps.size(), P = g.Ho * g.Wo, CHW = g.C * g.H * g.W, G = group_size(g, K);
  const bool pw = is_pointwise(g, taps) && G == 1, reluIn = flags & kReluIn;
  if (nhwc_serves(g, get_threads(), Pass::forward)) {  // strided: channels-last, no column matrix (conv-nhwc.h)
    const Nhwc L(g, taps);
    const std::vector<float> wf = pack_forward_weight(g, taps, w);
    for_groups(g, L.group(get_threads()), [&](int64_t n0, int64_t n1, int, int) {
      nhwc_forward(L, wf.data(), x, reluIn, bias, residual, flags & kReluOut, slope, out, n0, n1);
    });
    return;
  }
  std::vector<float> wbuf;
  const float* wc = compact_weight(g, taps, w, wbuf);
  if (in_place_serves(g, taps, get_threads())) {  // one image per group, one thread per image (conv-stride1.h)
    for_groups(g, 1, [&](int64_t n, int64_t, int, int) {
      const int64_t at = n * g.Cout * g.Ho * g.Wo;
      conv_in_place(g, taps, wc, x + n * CHW, reluIn, bias, residual ? residual + at : nullptr, flags & kReluOut,
                    slope, out + at);
    });
    return;
  }
  const PackedWeight packed(true, g, G, wc, K, false);
  for_groups(g, G, [&](int64_t n0, int64_t n1, int threads, int) {
    // column matrices have rows ldc floats apart, 64-byte aligned (padded_ld), rather than ld
    const int64_t ld = (n1 - n0) * P, ldc = pw ? ld : padded_ld(ld);
    // a pointwise convolution reads the image itself, or its rectified copy (C x P, cache-sized) with reluIn
    float *col = scratch(0, pw && !reluIn ? 0 : K * ldc), *res = scratch(1, G > 1 ? g.Cout * ld : 0);
    if (pw && reluIn)
      for (int64_t i = 0; i < K * P; i++) col[i] = x[n0 * CHW + i] > 0.f ? x[n0 * CHW + i] : 0.f;
    for (int64_t n = n0; n < n1 && !pw; n++)  // each image may spill into the columns after it
      im2col(g, taps, x + n * CHW, col + (n - n0) * P, ldc, reluIn, ldc - (n - n0 + 1) * P);
    float* dst = G > 1 ? res : out + n0 * g.Cout * P;
    if (residual)  // the GEMM accumulates onto residual + bias, so the skip connection costs no pass of its own
      for (int64_t n = n0; n < n1; n++)
        for (int64_t o = 0; o < g.Cout; o++) {
          const float *r = residual + (n * g.Cout + o) * P, b = bias ? bias[o] : 0.f;
          float* d = dst + o * ld + (n - n0) * P;
          for (int64_t p = 0; p < P; p++) d[p] = r[p] + b;
        }
    else if (bias)
      for (int64_t o = 0; o < g.Cout; o++) std::fill(dst + o * ld, dst + (o + 1) * ld, bias[o]);
    const float* cols = pw && !reluIn ? x + n0 * CHW : col;
    packed.gemm(g.Cout, ld, K, wc, K, false, cols, ldc, bias || residual ? 1.f : 0.f, dst, ld, threads);
    if (flags & kReluOut) relu_inplace(dst, g.Cout * ld, slope);
    if (G > 1) side_by_side(res, nullptr, n0, n1, g.Cout, P, false, out);
  });
}

}  // namespace

void conv2d_taps_forward(const ConvGeom& g, const int32_t* tapList, int64_t nTaps, const float* x, const float* w,
                         const float* bias, float* out) {
  forward(g, Taps(g, tapList, nTaps), 0, 0.f, x, w, bias, out);
}

void conv2d_relu_forward(const ConvGeom& g, const int32_t* tapList, int64_t nTaps, int flags, float slope,
                         const float* x, const float* w, const float* bias, float* out, const float* residual) {
  forward(g, Taps(g, tapList, nTaps), flags, slope, x, w, bias, out, residual);
}

namespace {

// gw = the sum of the threads' partial weight gradients, each [Cout, K] or, `transposed`, [K, Cout] (K = C·taps,
// ordered channel by channel, or tap by tap when `tapMajor`).
// Thread 0's partial takes the others' (in thread order, so the result does not depend on timing); with every tap
// live, gw needs no clearing first.
void store_weight_grad(const ConvGeom& g, const Taps& taps, std::vector<std::vector<float>>& partial, bool transposed,
                       float* gw, bool tapMajor = false) {
  const int64_t T = taps.size(), K = g.C * T, KK = g.kh * g.kw;
  std::vector<float>& sum = partial[0];
  if (sum.empty()) sum.assign(g.Cout * K, 0.f);  // no images, or thread 0 had none
  for (size_t t = 1; t < partial.size(); t++) {
    const float* p = partial[t].data();
    if (!partial[t].empty())
      for (size_t i = 0; i < sum.size(); i++) sum[i] += p[i];
  }
  if (!taps.all) std::fill(gw, gw + g.Cout * g.C * KK, 0.f);
  if (transposed && !tapMajor && taps.all) return transpose(sum.data(), g.Cout, gw, K, K, g.Cout, kAsIs);  // sumᵀ
  std::unique_ptr<float[]> rows;  // the sum with a row per output channel, when it has a column per output channel
  if (transposed) {
    rows.reset(new float[sum.size()]);
    transpose(sum.data(), g.Cout, rows.get(), K, K, g.Cout, kAsIs);
  }
  const float* s = transposed ? rows.get() : sum.data();
  for (int64_t o = 0; o < g.Cout; o++, s += K)  // row o (K floats, in L1) into gw's row o
    for (int64_t c = 0; c < g.C; c++)
      for (int64_t t = 0; t < T; t++) gw[(o * g.C + c) * KK + taps.list[t]] = s[tapMajor ? t * g.C + c : c * T + t];
}

// Any of the gradients of a strided convolution through its channels-last form (conv-nhwc.h), in one sweep over
// groups of images: each group's output gradient is laid out channels-last once for both products.
void nhwc_backward(const ConvGeom& g, const Taps& taps, int flags, float slope, const float* x, const float* w,
                   const float* y, const float* gy, float* gx, float* gw, float* gb) {
  const Nhwc L(g, taps);
  const int nt = std::max(1, get_threads());
  const int64_t CHW = g.C * g.H * g.W;
  const std::unique_ptr<const GxPhases> phases(gx ? new GxPhases(L, taps, w) : nullptr);
  std::vector<std::vector<float>> partW(nt), partB(nt);
  for_groups(g, L.group(nt), [&](int64_t n0, int64_t n1, int, int t) {
    if (gb && partB[t].empty()) partB[t].assign(g.Cout, 0.f);
    const float* gz = nhwc_output_grad(L, flags & kReluOut, slope, y, gy, n0, n1, gb ? partB[t].data() : nullptr);
    if (gw) {
      if (partW[t].empty()) partW[t].assign(g.Cout * L.T * g.C, 0.f);
      float* xp = scratch(2, (n1 - n0) * L.image);
      L.to_channels_last(x + n0 * CHW, n1 - n0, flags & kReluIn, xp);
      nhwc_weight_grad(L, xp, gz, n0, n1, partW[t].data());
    }
    if (gx) nhwc_input_grad(L, *phases, gz, x, flags & kReluIn, gx, n0, n1);
  });
  if (gb) {
    std::fill(gb, gb + g.Cout, 0.f);
    for (auto& part : partB)
      for (size_t o = 0; o < part.size(); o++) gb[o] += part[o];
  }
  if (gw) store_weight_grad(g, taps, partW, true, gw, true);
}

}  // namespace

void conv2d_taps_backward_input(const ConvGeom& g, const int32_t* tapList, int64_t nTaps, const float* gy,
                                const float* w, float* gx) {
  const Taps taps(g, tapList, nTaps);
  if (nhwc_serves(g, get_threads(), Pass::inputGrad))
    return nhwc_backward(g, taps, 0, 0.f, nullptr, w, nullptr, gy, gx, nullptr, nullptr);
  const int64_t K = g.C * taps.size(), P = g.Ho * g.Wo, CHW = g.C * g.H * g.W, G = group_size(g, K);
  const bool pw = is_pointwise(g, taps) && G == 1;
  if (!pw && Flipped::serves(g)) {  // one image per group (at least 256 pixels)
    const Flipped f(g, taps, w);
    for_groups(g, 1, [&](int64_t n0, int64_t, int threads, int) {
      float* col = scratch(0, g.Cout * taps.size() * padded_ld(P));
      f.input_grad(gy + n0 * g.Cout * P, gx + n0 * CHW, col, threads);
    });
    return;
  }
  std::vector<float> wbuf;
  const float* wc = compact_weight(g, taps, w, wbuf);
  const PackedWeight packed(!pw, g, G, wc, K, true);
  for_groups(g, G, [&](int64_t n0, int64_t n1, int threads, int) {
    const int64_t ld = (n1 - n0) * P, ldc = padded_ld(ld);
    float *col = scratch(0, pw ? 0 : K * ldc), *gyg = scratch(1, G > 1 ? g.Cout * ld : 0);
    if (G > 1) side_by_side(gy, gyg, n0, n1, g.Cout, P, true);
    const float* gsrc = G > 1 ? gyg : gy + n0 * g.Cout * P;
    if (pw) {
      sgemm(K, P, g.Cout, 1.f, wc, K, true, gsrc, P, false, 0.f, gx + n0 * CHW, P, threads);
      return;
    }
    packed.gemm(K, ld, g.Cout, wc, K, true, gsrc, ld, 0.f, col, ldc, threads);
    for (int64_t n = n0; n < n1; n++) col2im(g, taps, col + (n - n0) * P, ldc, gx + n * CHW);
  });
}

void conv2d_taps_backward_weight(const ConvGeom& g, const int32_t* tapList, int64_t nTaps, const float* x,
                                 const float* gy, float* gw) {
  const Taps taps(g, tapList, nTaps);
  if (nhwc_serves(g, get_threads(), Pass::weightGrad))
    return nhwc_backward(g, taps, 0, 0.f, x, nullptr, nullptr, gy, nullptr, gw, nullptr);
  const int64_t T = taps.size(), K = g.C * T, P = g.Ho * g.Wo, CHW = g.C * g.H * g.W,
                G = group_size(g, K);
  const bool pw = is_pointwise(g, taps) && G == 1;
  const int nt = std::max(1, get_threads());
  // The GEMM packs its transposed operand; accumulating the transposed product instead makes that the smaller
  // matrix (gy, Cout x pixels, rather than the columns, C·taps x pixels) when there are fewer output channels.
  const bool transposed = g.Cout < K;
  std::vector<std::vector<float>> partial(nt);
  for_groups(g, G, [&](int64_t n0, int64_t n1, int threads, int t) {
    std::vector<float>& acc = partial[t];
    if (acc.empty()) acc.assign(g.Cout * K, 0.f);
    const int64_t ld = (n1 - n0) * P, ldc = pw ? ld : padded_ld(ld);
    float *col = scratch(0, pw ? 0 : K * ldc), *gyg = scratch(1, G > 1 ? g.Cout * ld : 0);
    for (int64_t n = n0; n < n1 && !pw; n++)  // each image may spill into the columns after it
      im2col(g, taps, x + n * CHW, col + (n - n0) * P, ldc, false, ldc - (n - n0 + 1) * P);
    if (G > 1) side_by_side(gy, gyg, n0, n1, g.Cout, P, true);
    const float* gsrc = G > 1 ? gyg : gy + n0 * g.Cout * P;
    const float* cols = pw ? x + n0 * CHW : col;
    if (transposed)  // acc[K, Cout] += col · gyᵀ
      sgemm(K, g.Cout, ld, 1.f, cols, ldc, false, gsrc, ld, true, 1.f, acc.data(), g.Cout, threads);
    else  // acc[Cout, K] += gy · colᵀ
      sgemm(g.Cout, K, ld, 1.f, gsrc, ld, false, cols, ldc, true, 1.f, acc.data(), K, threads);
  });
  store_weight_grad(g, taps, partial, transposed, gw);
}


namespace {

// The upstream gradient of a group side by side, [Cout, ld], masked by the output's sign when it was rectified (1 where
// y > 0, else 0 or the leaky slope); gy itself when neither applies.
const float* output_grad(const ConvGeom& g, int flags, float slope, const float* y, const float* gy, int64_t n0,
                         int64_t n1, int64_t G, float* buf) {
  const int64_t P = g.Ho * g.Wo, ld = (n1 - n0) * P;
  if (!(flags & kReluOut)) {
    if (G == 1) return gy + n0 * g.Cout * P;
    side_by_side(gy, buf, n0, n1, g.Cout, P, true);
    return buf;
  }
  for (int64_t n = n0; n < n1; n++)
    for (int64_t o = 0; o < g.Cout; o++) {
      const float *src = gy + (n * g.Cout + o) * P, *yr = y + (n * g.Cout + o) * P;
      mask_by_sign(src, yr, buf + o * ld + (n - n0) * P, P, slope);
    }
  return buf;
}

}  // namespace

// Every gradient of conv2d_relu_forward in one call: the output gradient is gathered (and masked) per group of
// images while it is in cache, and the bias gradient summed there. Pointwise convolutions (memory-bound: small
// weights, large activations) take every gradient in one sweep over the images, reading gy once; the others run the
// weight and input gradients as two sweeps, so each sweep's working set (columns, weight, accumulator) stays small.
void conv2d_relu_backward(const ConvGeom& g, const int32_t* tapList, int64_t nTaps, int flags, float slope,
                          const float* x, const float* w, const float* y, const float* gy, float* gx, float* gw,
                          float* gb) {
  const Taps taps(g, tapList, nTaps);
  if (nhwc_serves(g, get_threads(), Pass::weightGrad))
    return nhwc_backward(g, taps, flags, slope, x, w, y, gy, gx, gw, gb);
  if (gx && nhwc_serves(g, get_threads(), Pass::inputGrad)) {  // the input gradient channels-last, the rest below
    nhwc_backward(g, taps, flags, slope, x, w, y, gy, gx, nullptr, nullptr);
    if (!gw && !gb) return;
    gx = nullptr;
  }
  const int64_t T = taps.size(), K = g.C * T, P = g.Ho * g.Wo, CHW = g.C * g.H * g.W,
                G = group_size(g, K);
  const bool pw = is_pointwise(g, taps) && G == 1, reluIn = flags & kReluIn;
  const int nt = std::max(1, get_threads());
  std::vector<float> wbuf;
  const float* wc = compact_weight(g, taps, w, wbuf);
  // as in conv2d_taps_backward_weight: accumulate the transposed product when the columns are the larger operand
  const bool transposed = g.Cout < K;
  // the input gradient as a convolution of gz where that serves (Flipped), one image per group
  std::unique_ptr<Flipped> flip(gx && !pw && Flipped::serves(g) ? new Flipped(g, taps, w) : nullptr);
  const PackedWeight packed(gx && !pw && !flip, g, G, wc, K, true);
  // and the weight gradient from the columns in place (conv-stride1.h), one image per group
  const bool wInPlace = transposed && in_place_serves(g, taps, nt);
  std::vector<std::vector<float>> partW(nt), partB(nt);
  const int sweeps = pw ? 1 : 2;
  for (int sweep = 0; sweep < sweeps; sweep++) {
    const bool doW = gw && sweep == 0, doB = gb && sweep == 0, doX = gx && sweep == sweeps - 1;
    if (!doW && !doB && !doX) continue;
    for_groups(g, G, [&](int64_t n0, int64_t n1, int threads, int t) {
      const int64_t ld = (n1 - n0) * P, ldc = pw ? ld : padded_ld(ld);
      const bool mask = (flags & kReluOut) || G > 1;
      const int64_t colRows = doX && flip ? g.Cout * T : K;
      float *col = scratch(0, (doW && !wInPlace && (!pw || reluIn)) || (doX && !pw) ? colRows * ldc : 0),
            *gzb = scratch(1, mask ? g.Cout * ld : 0);
      const float* gz = output_grad(g, flags, slope, y, gy, n0, n1, G, gzb);
      if (doB) {
        if (partB[t].empty()) partB[t].assign(g.Cout, 0.f);
        for (int64_t o = 0; o < g.Cout; o++) partB[t][o] += row_sum(gz + o * ld, ld);
      }
      if (doW) {
        std::vector<float>& acc = partW[t];
        if (acc.empty()) acc.assign(g.Cout * K, 0.f);
        if (wInPlace) {
          weight_grad_in_place(g, taps, x + n0 * CHW, reluIn, gz, acc.data());
        } else {
          if (pw && reluIn)
            for (int64_t i = 0; i < K * P; i++) col[i] = x[n0 * CHW + i] > 0.f ? x[n0 * CHW + i] : 0.f;
          for (int64_t n = n0; n < n1 && !pw; n++)  // each image may spill into the columns after it
            im2col(g, taps, x + n * CHW, col + (n - n0) * P, ldc, reluIn, ldc - (n - n0 + 1) * P);
          const float* cols = pw && !reluIn ? x + n0 * CHW : col;
          if (transposed)  // acc[K, Cout] += col · gzᵀ
            sgemm(K, g.Cout, ld, 1.f, cols, ldc, false, gz, ld, true, 1.f, acc.data(), g.Cout, threads);
          else  // acc[Cout, K] += gz · colᵀ
            sgemm(g.Cout, K, ld, 1.f, gz, ld, false, cols, ldc, true, 1.f, acc.data(), K, threads);
        }
      }
      if (doX) {
        if (pw) {
          sgemm(K, P, g.Cout, 1.f, wc, K, true, gz, P, false, 0.f, gx + n0 * CHW, P, threads);
        } else if (flip) {
          flip->input_grad(gz, gx + n0 * CHW, col, threads);
        } else {
          packed.gemm(K, ld, g.Cout, wc, K, true, gz, ld, 0.f, col, ldc, threads);
          for (int64_t n = n0; n < n1; n++) col2im(g, taps, col + (n - n0) * P, ldc, gx + n * CHW);
        }
        if (reluIn) mask_by_sign(gx + n0 * CHW, x + n0 * CHW, gx + n0 * CHW, (n1 - n0) * CHW, 0.f);
      }
    });
  }
  if (gb) {
    std::fill(gb, gb + g.Cout, 0.f);
    for (auto& part : partB)
      for (size_t o = 0; o < part.size(); o++) gb[o] += part[o];
  }
  if (gw) store_weight_grad(g, taps, partW, transposed, gw);
}

}  // namespace DG_ISA_NS
}  // namespace dg

// im2col and col2im of strided convolutions over narrow images, by vector permutations of image rows (AVX-512 and
// AVX2; other paths never take them). Included by conv-gather.h, whose im2col and col2im choose them.
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>
#include "conv-taps.h"
#include "isa.h"
#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace dg {
namespace DG_ISA_NS {
namespace {

// Narrow strided images with vector permutations (AVX-512: rows of at most 32 floats, output rows of at most 16;
// AVX2: 16 and 8). An output row of tap (i, j) is one permutation of its image row, held in two registers, with the
// lanes that read the padding zeroed: no padded copy is built. col2im sums, for each image row, the output rows
// that read it (permuted back) in two registers, and stores the row once. DCGAN's 4x4 layer (14x14 -> 7x7) spent a
// third of its im2col splitting rows into phases with scalar stride-2 copies, and two thirds of its col2im in
// read-modify-writes of 8 floats, each overlapping the stores of the tap two before it (one float to the side). With
// this path, forward and gradients together, that layer and G_convT1 ran 5-10 % faster (one and two threads, AVX-512
// and AVX2), D_conv1 7-8 % (AVX-512; with AVX2 its rows of 28 keep the padded copy).
bool use_permuted(const ConvGeom& g);

// The permutations of one geometry and set of taps, built once per thread and kept while the geometry repeats: for
// DCGAN's first layer (one channel) building them for every image doubled the time of its input gradient.
struct RowPlan {
  std::vector<int64_t> key;  // the geometry (but N) and the taps
  // im2col: per tap, the image column of each output lane (0 where it reads the padding) and the lanes that read
  // inside the image, as bits and as all-ones lanes; per tap and output row, the image row (times W) or -1
  std::vector<std::array<int32_t, 16>> index, keep;
  std::vector<uint32_t> live;
  std::vector<int64_t> rows;
  // col2im: per kernel column j, the output lane that each image column takes, and which image columns it reaches
  std::vector<std::array<int32_t, 32>> back, reached;
  std::vector<uint32_t> read;
  // per image row iy, readers [first[iy], first[iy + 1]): the output rows that read it, taps increasing
  struct Reader {
    int64_t j, t, at;  // kernel column, tap, first float of the output row within the tap's column-matrix row
  };
  std::vector<Reader> readers;
  std::vector<int64_t> first;
};

std::vector<int64_t> plan_key(const ConvGeom& g, const Taps& taps) {
  std::vector<int64_t> key = {g.C, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.Ho, g.Wo};
  key.insert(key.end(), taps.list.begin(), taps.list.end());
  return key;
}

const RowPlan& row_plan(const ConvGeom& g, const Taps& taps) {
  static thread_local RowPlan plan;
  std::vector<int64_t> key = plan_key(g, taps);
  if (key == plan.key) return plan;
  const int64_t T = taps.size();
  RowPlan p;
  p.key = std::move(key);
  p.index.assign(T, {}), p.keep.assign(T, {}), p.live.assign(T, 0), p.rows.resize(T * g.Ho);
  for (int64_t t = 0; t < T; t++) {
    const int64_t i = taps.list[t] / g.kw, j = taps.list[t] % g.kw;
    for (int64_t ox = 0; ox < std::min<int64_t>(g.Wo, 16); ox++) {
      const int64_t ix = ox * g.sw + j * g.dw - g.pw;
      if (ix < 0 || ix >= g.W) continue;
      p.index[t][ox] = int32_t(ix), p.keep[t][ox] = -1, p.live[t] |= 1u << ox;
    }
    for (int64_t oy = 0; oy < g.Ho; oy++) {
      const int64_t iy = oy * g.sh - g.ph + i * g.dh;
      p.rows[t * g.Ho + oy] = iy >= 0 && iy < g.H ? iy * g.W : -1;
    }
  }
  p.back.assign(g.kw, {}), p.reached.assign(g.kw, {}), p.read.assign(g.kw, 0);
  for (int64_t j = 0; j < g.kw; j++)
    for (int64_t ox = 0; ox < std::min<int64_t>(g.Wo, 16); ox++) {
      const int64_t ix = ox * g.sw + j * g.dw - g.pw;
      if (ix < 0 || ix >= std::min<int64_t>(g.W, 32)) continue;
      p.back[j][ix] = int32_t(ox), p.reached[j][ix] = -1, p.read[j] |= 1u << ix;
    }
  for (int64_t iy = 0; iy < g.H; iy++) {
    p.first.push_back(int64_t(p.readers.size()));
    for (int64_t t = 0; t < T; t++)
      for (int64_t oy = 0; oy < g.Ho; oy++)
        if (p.rows[t * g.Ho + oy] == iy * g.W) p.readers.push_back({taps.list[t] % g.kw, t, oy * g.Wo});
  }
  p.first.push_back(int64_t(p.readers.size()));
  plan = std::move(p);
  return plan;
}

// Rows [0, over) of a tap's output rows may store whole vectors of `width` floats: the rows after them write their
// spill again. The others store only their Wo floats. (The padded gather, conv-gather.h, uses it too.)
int64_t whole_rows(const ConvGeom& g, int64_t spill, int64_t width) {
  const int64_t room = g.Ho * g.Wo + spill;
  return g.Wo == 0 || room < width ? 0 : std::min<int64_t>((room - width) / g.Wo + 1, g.Ho);
}

#if defined(__AVX512F__)
// GCC 12 warns that the undefined source of unmasked AVX-512 intrinsics (permute, max, cast) "may be used
// uninitialized"; it never is.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
bool use_permuted(const ConvGeom& g) { return (g.sh > 1 || g.sw > 1) && g.W <= 32 && g.Wo <= 16; }

inline __mmask16 first_lanes(int64_t n) { return __mmask16((1u << std::clamp<int64_t>(n, 0, 16)) - 1); }

template <bool kTwoRegisters>
void im2col_permuted(const ConvGeom& g, const Taps& taps, const float* x, float* col, int64_t ld, bool relu,
                     int64_t spill) {
  const RowPlan& plan = row_plan(g, taps);
  // the geometry in locals: the stores below may alias anything, so fields of g would be read again after each
  const int64_t T = taps.size(), Ho = g.Ho, Wo = g.Wo, HW = g.H * g.W, width = Wo <= 8 ? 8 : 16;
  const int64_t over = whole_rows(g, spill, width);
  const __mmask16 loLanes = first_lanes(g.W), hiLanes = first_lanes(g.W - 16), outLanes = first_lanes(Wo);
  const __m512 zero = _mm512_setzero_ps();
  for (int64_t c = 0; c < g.C; c++)
    for (int64_t t = 0; t < T; t++) {
      const int64_t* from = plan.rows.data() + t * Ho;
      const __m512i idx = _mm512_loadu_si512(plan.index[t].data());
      const __mmask16 live = __mmask16(plan.live[t]);
      const float* image = x + c * HW;
      float* row = col + (c * T + t) * ld;
      for (int64_t oy = 0; oy < Ho; oy++) {
        __m512 v = zero;
        if (from[oy] >= 0) {
          const float* src = image + from[oy];
          const __m512 lo = _mm512_maskz_loadu_ps(loLanes, src);
          v = kTwoRegisters ? _mm512_maskz_permutex2var_ps(live, lo, idx, _mm512_maskz_loadu_ps(hiLanes, src + 16))
                            : _mm512_maskz_permutexvar_ps(live, idx, lo);
          if (relu) v = _mm512_max_ps(v, zero);  // NaN and -0 give 0, as the relu op
        }
        float* dst = row + oy * Wo;
        if (oy >= over) _mm512_mask_storeu_ps(dst, outLanes, v);
        else if (width == 8) _mm256_storeu_ps(dst, _mm512_castps512_ps256(v));
        else _mm512_storeu_ps(dst, v);
      }
    }
}

void col2im_permuted(const ConvGeom& g, const Taps& taps, const float* col, int64_t ld, float* x) {
  const RowPlan& plan = row_plan(g, taps);
  const int64_t T = taps.size(), H = g.H, W = g.W;
  const __mmask16 loLanes = first_lanes(W), hiLanes = first_lanes(W - 16), outLanes = first_lanes(g.Wo);
  float* const end = x + g.C * H * W;
  for (int64_t c = 0; c < g.C; c++) {
    const float* cc = col + c * T * ld;
    for (int64_t iy = 0; iy < H; iy++) {
      __m512 lo = _mm512_setzero_ps(), hi = _mm512_setzero_ps();
      for (int64_t q = plan.first[iy]; q < plan.first[iy + 1]; q++) {
        const RowPlan::Reader& r = plan.readers[q];
        const __m512 v = _mm512_maskz_loadu_ps(outLanes, cc + r.t * ld + r.at);
        const __mmask16 lanesLo = __mmask16(plan.read[r.j]), lanesHi = __mmask16(plan.read[r.j] >> 16);
        lo = _mm512_mask_add_ps(lo, lanesLo, lo, _mm512_permutexvar_ps(_mm512_loadu_si512(&plan.back[r.j][0]), v));
        if (hiLanes)
          hi = _mm512_mask_add_ps(hi, lanesHi, hi, _mm512_permutexvar_ps(_mm512_loadu_si512(&plan.back[r.j][16]), v));
      }
      // whole vectors where the floats past the row belong to this image's later rows, which are written after
      float* dst = x + (c * H + iy) * W;
      if (dst + 16 <= end) _mm512_storeu_ps(dst, lo);
      else _mm512_mask_storeu_ps(dst, loLanes, lo);
      if (hiLanes && dst + 32 <= end) _mm512_storeu_ps(dst + 16, hi);
      else if (hiLanes) _mm512_mask_storeu_ps(dst + 16, hiLanes, hi);
    }
  }
}
#pragma GCC diagnostic pop

#elif defined(__AVX2__)
bool use_permuted(const ConvGeom& g) { return (g.sh > 1 || g.sw > 1) && g.W <= 16 && g.Wo <= 8; }

inline __m256i first_lanes(int64_t n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(int32_t(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
inline __m256i load8i(const int32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }

// Lanes picked by index from the pair (lo, hi) of 8-float registers: lanes 0-7 from lo, 8-15 from hi.
inline __m256 permute_pair(__m256 lo, __m256 hi, __m256i index) {
  const __m256 fromHi = _mm256_castsi256_ps(_mm256_cmpgt_epi32(index, _mm256_set1_epi32(7)));
  return _mm256_blendv_ps(_mm256_permutevar8x32_ps(lo, index), _mm256_permutevar8x32_ps(hi, index), fromHi);
}

template <bool>
void im2col_permuted(const ConvGeom& g, const Taps& taps, const float* x, float* col, int64_t ld, bool relu,
                     int64_t spill) {
  const RowPlan& plan = row_plan(g, taps);
  const int64_t T = taps.size(), Ho = g.Ho, Wo = g.Wo, HW = g.H * g.W, over = whole_rows(g, spill, 8);
  const __m256i loLanes = first_lanes(g.W), hiLanes = first_lanes(g.W - 8), outLanes = first_lanes(Wo);
  const __m256 zero = _mm256_setzero_ps();
  for (int64_t c = 0; c < g.C; c++)
    for (int64_t t = 0; t < T; t++) {
      const int64_t* from = plan.rows.data() + t * Ho;
      const __m256i idx = load8i(plan.index[t].data());
      const __m256 keep = _mm256_castsi256_ps(load8i(plan.keep[t].data()));
      const float* image = x + c * HW;
      float* row = col + (c * T + t) * ld;
      for (int64_t oy = 0; oy < Ho; oy++) {
        __m256 v = zero;
        if (from[oy] >= 0) {
          const float* src = image + from[oy];
          v = permute_pair(_mm256_maskload_ps(src, loLanes), _mm256_maskload_ps(src + 8, hiLanes), idx);
          v = _mm256_and_ps(v, keep);             // the padding's lanes: +0
          if (relu) v = _mm256_max_ps(v, zero);  // NaN and -0 give 0, as the relu op
        }
        if (oy >= over) _mm256_maskstore_ps(row + oy * Wo, outLanes, v);
        else _mm256_storeu_ps(row + oy * Wo, v);
      }
    }
}

void col2im_permuted(const ConvGeom& g, const Taps& taps, const float* col, int64_t ld, float* x) {
  const RowPlan& plan = row_plan(g, taps);
  const int64_t T = taps.size(), H = g.H, W = g.W;
  const __m256i loLanes = first_lanes(W), hiLanes = first_lanes(W - 8), outLanes = first_lanes(g.Wo);
  float* const end = x + g.C * H * W;
  for (int64_t c = 0; c < g.C; c++) {
    const float* cc = col + c * T * ld;
    for (int64_t iy = 0; iy < H; iy++) {
      __m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
      for (int64_t q = plan.first[iy]; q < plan.first[iy + 1]; q++) {
        const RowPlan::Reader& r = plan.readers[q];
        const __m256 v = _mm256_maskload_ps(cc + r.t * ld + r.at, outLanes);
        // image columns [8h, 8h + 8) from the row; adding +0 where it reaches none leaves every sum exact
        const auto part = [&](int64_t h) {
          const __m256 reached = _mm256_castsi256_ps(load8i(&plan.reached[r.j][8 * h]));
          return _mm256_and_ps(_mm256_permutevar8x32_ps(v, load8i(&plan.back[r.j][8 * h])), reached);
        };
        lo = _mm256_add_ps(lo, part(0));
        if (W > 8) hi = _mm256_add_ps(hi, part(1));
      }
      // whole vectors where the floats past the row belong to this image's later rows, which are written after;
      // masked stores are slow on AMD's cores
      float* dst = x + (c * H + iy) * W;
      if (dst + 8 <= end) _mm256_storeu_ps(dst, lo);
      else _mm256_maskstore_ps(dst, loLanes, lo);
      if (W > 8 && dst + 16 <= end) _mm256_storeu_ps(dst + 8, hi);
      else if (W > 8) _mm256_maskstore_ps(dst + 8, hiLanes, hi);
    }
  }
}

#else
bool use_permuted(const ConvGeom&) { return false; }
template <bool>
void im2col_permuted(const ConvGeom&, const Taps&, const float*, float*, int64_t, bool, int64_t) {}
void col2im_permuted(const ConvGeom&, const Taps&, const float*, int64_t, float*) {}
#endif

}  // namespace
}  // namespace DG_ISA_NS
}  // namespace dg

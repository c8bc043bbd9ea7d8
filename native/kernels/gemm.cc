// SGEMM: Goto-style blocking with packed panels and a register-blocked MR x NR micro-kernel.
// A block of B (KC x NC) is packed into NR-column micro-panels and a block of A (MC x KC) into MR-row micro-panels,
// both zero-padded, so the micro-kernel has no edge cases; partial tiles of C are written through a small buffer.
// When an A block serves only a few column panels, packing it costs more than it saves, and the kernel reads A in
// place (either storage order). Block sizes come from the cache sizes the OS reports. Threads split C into a grid of
// row and column ranges, each running the serial algorithm with its own buffers.
#include <unistd.h>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdlib>
#include <vector>
#include "isa.h"
#include "parallel.h"
#include "simd.h"
#include "gemm-gemv.h"
#include "gemm-tile.h"

namespace dg {
namespace DG_ISA_NS {

// Below this many flops a product runs on the calling thread: waking a second thread costs more than it saves
// (measured in a VAE step: a 4-MFLOP product took 84 µs on one thread, 240–340 µs on two).
constexpr double kGemmParallelFlops = 2e7;
// Above it, one thread per this much work at most, so that on many cores a product just past the threshold is not cut
// into slivers whose start and barrier cost more than their share (a MADE layer, 100x784x500, is 7.8e7 flops: 7
// threads of 16). Half the threshold, so that every product that runs in parallel at all gets two threads or more,
// and on two threads nothing changes.
constexpr double kGemmThreadFlops = kGemmParallelFlops / 2;
// A is read in place when a block of C has at most this many columns (measured on 25088x288x64: 63 GFLOP/s in
// place vs 55 packed; 512x512x512 is faster packed): 128 on both x86 paths, four AVX-512 panels or eight AVX2 ones.
// With AVX2 the limit was four panels (64 columns) at first, and DCGAN's weight gradient 1024x128x294 (Bᵀ) spent
// ~12% of its time packing A: 111 -> 124 GFLOP/s in place (one thread, best of 9, two interleaved runs).
#ifndef DG_DIRECT_A_COLS
#define DG_DIRECT_A_COLS 128
#endif
constexpr int64_t kDirectACols = VW >= 8 ? DG_DIRECT_A_COLS : 4 * NR;
// Likewise B (row-major) is read in place when at most this many rows of A use it: the 1x1 convolutions of PixelCNN
// (32 or 64 output channels by 784 pixels) spent more time packing B than multiplying, and batch-100 layers gain
// about 6% (100x784x500: 97 -> 103 GFLOP/s with 128 rather than 64; 256 was no better).
#ifndef DG_DIRECT_B_ROWS
#define DG_DIRECT_B_ROWS 128
#endif
constexpr int64_t kDirectBRows = DG_DIRECT_B_ROWS;

static int64_t cache_bytes(int which, int64_t fallback) {
  long v = which >= 0 ? sysconf(which) : -1;
  return v > 0 ? int64_t(v) : fallback;
}

struct Blocks {
  int64_t kc, mc, nc;
  int64_t kcWideB;  // KC when B is read in place with rows far apart (kWideBRows)
};
// B read in place with rows at least this many floats apart: each row of a B micro-panel (NR floats, two cache lines
// with AVX-512) lies on its own lines, far from the next, and the micro-panel stays in L1 for the MR-row panels of A
// that use it only when it is a third of L1 (KC 128 on a 48 KiB L1). On the Intel Xeon (AVX-512), 100x784x500,
// 100x500x784 and 128x576x784 ran 11-14 % faster with KC 128 than 768 (C++, one thread; -1 to +16 % through the
// addon, noisier); KC 192-256 gained less, 384 nothing; rows 128 or 160 floats apart (64x3136x128, DCGAN's column
// matrices) gained nothing. With AVX2 (16-float rows, one line) KC 256 read -2 to +3 %, so that path keeps its KC.
constexpr int64_t kWideBRows = 256;

// KC: an A micro-panel (MR x KC) fills half of L1; MC: the packed A block (MC x KC) half of L2; NC: the packed B
// panel (KC x NC) a quarter of L3. On Zen 4 (32 KiB L1d, 1 MiB L2) with AVX-512 that is KC 512, MC 256, NC 4096;
// measured against KC 256 / MC 128: 25088x288x64 went from 65 to 87 GFLOP/s, other shapes unchanged.
static Blocks block_sizes() {
#if defined(_SC_LEVEL1_DCACHE_SIZE) && defined(_SC_LEVEL2_CACHE_SIZE) && defined(_SC_LEVEL3_CACHE_SIZE)
  const int64_t l1 = cache_bytes(_SC_LEVEL1_DCACHE_SIZE, 32 << 10), l2 = cache_bytes(_SC_LEVEL2_CACHE_SIZE, 512 << 10),
                l3 = cache_bytes(_SC_LEVEL3_CACHE_SIZE, 8 << 20);
#else
  const int64_t l1 = 32 << 10, l2 = 512 << 10, l3 = 8 << 20;
#endif
  Blocks b;
  b.kc = std::clamp<int64_t>(l1 / 2 / (MR * 4) / 16 * 16, 128, 1024);
  b.mc = std::clamp<int64_t>(l2 / 2 / (b.kc * 4) / MR * MR, 4 * MR, 1024 / MR * MR);
  b.nc = std::clamp<int64_t>(l3 / 4 / (b.kc * 4) / NR * NR, 8 * NR, 4096);
  b.kcWideB = NR >= 32 ? std::clamp<int64_t>(l1 / 3 / (NR * 4) / 16 * 16, 64, b.kc) : b.kc;
  return b;
}
static const Blocks& blocks() {
  static const Blocks b = block_sizes();
  return b;
}

struct Buffers {
  float* a = nullptr;
  float* b = nullptr;
  Buffers() {
    const Blocks& bl = blocks();
    a = static_cast<float*>(std::aligned_alloc(64, sizeof(float) * (bl.mc + MR) * bl.kc));
    b = static_cast<float*>(std::aligned_alloc(64, sizeof(float) * (bl.nc + NR) * bl.kc));
  }
  ~Buffers() { std::free(a); std::free(b); }
};
static Buffers& buffers() { thread_local Buffers buf; return buf; }


// Packs rows [i0, i0+mc) x cols [p0, p0+kc) of op(A) into MR-row panels: panel r, step p holds MR contiguous values.
// With `rows` (not transposed), A's row i is rows[i].
static void pack_a(int64_t mc, int64_t kc, const float* A, int64_t lda, bool trans, int64_t i0, int64_t p0,
                   float* dst, const float* const* rows = nullptr) {
  for (int64_t ir = 0; ir < mc; ir += MR) {
    int64_t mr = std::min<int64_t>(MR, mc - ir);
    if (rows) {
      for (int64_t p = 0; p < kc; p++) {
        int64_t r = 0;
        for (; r < mr; r++) dst[p * MR + r] = rows[i0 + ir + r][p0 + p];
        for (; r < MR; r++) dst[p * MR + r] = 0.f;
      }
    } else if (!trans) {
      for (int64_t p = 0; p < kc; p++) {
        const float* src = A + (i0 + ir) * lda + p0 + p;
        int64_t r = 0;
        for (; r < mr; r++) dst[p * MR + r] = src[r * lda];
        for (; r < MR; r++) dst[p * MR + r] = 0.f;
      }
    } else {  // A stored k x m: row p of storage holds op(A)[:, p]
      for (int64_t p = 0; p < kc; p++) {
        const float* src = A + (p0 + p) * lda + i0 + ir;
        int64_t r = 0;
        for (; r < mr; r++) dst[p * MR + r] = src[r];
        for (; r < MR; r++) dst[p * MR + r] = 0.f;
      }
    }
    dst += MR * kc;
  }
}

// Packs rows [p0, p0+kc) x cols [j0, j0+nc) of op(B) into NR-column panels. With `rows`, B's row p is rows[p].
static void pack_b(int64_t kc, int64_t nc, const float* B, int64_t ldb, bool trans, int64_t p0, int64_t j0,
                   float* dst, const float* const* rows = nullptr) {
  for (int64_t jr = 0; jr < nc; jr += NR) {
    int64_t nr = std::min<int64_t>(NR, nc - jr);
    if (!trans) {
      for (int64_t p = 0; p < kc; p++) {
        const float* src = (rows ? rows[p0 + p] : B + (p0 + p) * ldb) + j0 + jr;
        float* d = dst + p * NR;
        if (nr == NR) {
          for (int v = 0; v < NV; v++) vstore(d + v * VW, vload(src + v * VW));
        } else {
          int64_t c = 0;
          for (; c < nr; c++) d[c] = src[c];
          for (; c < NR; c++) d[c] = 0.f;
        }
      }
    } else {  // B stored n x k: transpose in blocks of 16 steps, so reads take whole cache lines and writes stay in L1
      const float* src = B + (j0 + jr) * ldb + p0;
      for (int64_t q = 0; q < kc; q += 16) {
        const int64_t qn = std::min<int64_t>(16, kc - q);
        float* d = dst + q * NR;
        for (int64_t c = 0; c < nr; c++)
          for (int64_t p = 0; p < qn; p++) d[p * NR + c] = src[c * ldb + q + p];
        for (int64_t c = nr; c < NR; c++)
          for (int64_t p = 0; p < qn; p++) d[p * NR + c] = 0.f;
      }
    }
    dst += NR * kc;
  }
}

// C tile (mr x nr) = alpha * A panel . B panel + beta * C tile. beta == 0 never reads C (it may hold garbage or NaN).
// The A panel's element (row r, step p) is at a[p * ps + r * rs]: packed panels have ps = MR, rs = 1; A read in place
// has ps = 1, rs = lda (row-major) or ps = lda, rs = 1 (transposed storage).
// B's row p is at b + p * bs: bs = NR for packed panels, ldb for row-major B read in place.
// NVK is the number of vectors per row actually computed: NV, or 1 for a last column panel of at most VW columns
// (DCGAN's 294-column products end in 6 columns, and a full-width tile there wasted 9% of the multiply-adds).
// With BROWS, B's row p is at brows[p] + boff (b unused); with LAYOUT 2, A's row r is at arows[r] + aoff (a
// unused): rows that lie anywhere (sgemm_rows).
// LAYOUT 0: rs = 1 (packed or transposed A), 1: ps = 1 (row-major A), 2: A's rows by pointer
template <int LAYOUT, int NVK, bool BROWS = false>
static inline void micro_kernel_n(int64_t kc, const float* __restrict a, int64_t as, const float* __restrict b,
                                  int64_t bs, float* c, int64_t ldc, float alpha, float beta, int64_t mr,
                                  int64_t nr, const float* const* brows = nullptr, int64_t boff = 0,
                                  const float* const* arows = nullptr, int64_t aoff = 0) {
  constexpr int NV = NVK, NR = NVK * VW;
  const float* ar[MR];
  if (LAYOUT == 2)
    for (int r = 0; r < MR; r++) ar[r] = arows[r] + aoff;
  vf acc[MR][NV];
#pragma GCC unroll 16
  for (int r = 0; r < MR; r++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[r][v] = vf{};
  for (int64_t p = 0; p < kc; p++) {
    vf bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) bv[v] = vload((BROWS ? brows[p] + boff : b + p * bs) + v * VW);
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
      vf av = vset1(LAYOUT == 0 ? a[p * as + r] : LAYOUT == 1 ? a[r * as + p] : ar[r][p]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) acc[r][v] += av * bv[v];
    }
  }
  if (mr == MR && nr == NR) {
    for (int r = 0; r < MR; r++)
      for (int v = 0; v < NV; v++) {
        float* cp = c + r * ldc + v * VW;
        vf res = acc[r][v] * alpha;
        if (beta != 0.f) res += vload(cp) * beta;
        vstore(cp, res);
      }
  } else {
    alignas(64) float tile[MR * NR];
    for (int r = 0; r < MR; r++)
      for (int v = 0; v < NV; v++) *reinterpret_cast<vf*>(tile + r * NR + v * VW) = acc[r][v];
    for (int64_t r = 0; r < mr; r++)
      for (int64_t j = 0; j < nr; j++) {
        const float res = alpha * tile[r * NR + j];
        c[r * ldc + j] = beta != 0.f ? res + beta * c[r * ldc + j] : res;
      }
  }
}

template <int LAYOUT, bool BROWS = false>
static inline void micro_kernel(int64_t kc, const float* __restrict a, int64_t as, const float* __restrict b,
                                int64_t bs, float* c, int64_t ldc, float alpha, float beta, int64_t mr, int64_t nr,
                                const float* const* brows = nullptr, int64_t boff = 0,
                                const float* const* arows = nullptr, int64_t aoff = 0) {
  if (NV > 1 && nr <= VW)
    micro_kernel_n<LAYOUT, 1, BROWS>(kc, a, as, b, bs, c, ldc, alpha, beta, mr, nr, brows, boff, arows, aoff);
  else
    micro_kernel_n<LAYOUT, NV, BROWS>(kc, a, as, b, bs, c, ldc, alpha, beta, mr, nr, brows, boff, arows, aoff);
}

// Splits `total` into the fewest blocks of at most `cap`, of equal size rounded up to a multiple of `unit`
// (m = 100 becomes one block of 104 rather than 96 + 4; k = 784 becomes 4 × 196 rather than 3 × 256 + 16).
static int64_t balanced_block(int64_t total, int64_t cap, int64_t unit) {
  int64_t blocks = (total + cap - 1) / cap;
  int64_t size = (total + blocks - 1) / blocks;
  return std::min(cap, (size + unit - 1) / unit * unit);
}


// Rows m rounded up to whole MR-row panels, as packed A holds them.
static int64_t panel_rows(int64_t m) { return (m + MR - 1) / MR * MR; }

// With `brows` (B row-major, not transposed), B's row p is brows[p]; B and ldb are unused. Likewise `arows`
// (A not transposed) for A's rows.
// With `packedA` (sgemm_pack_a's layout), op(A) is already packed: A, lda and tA are unused.
static void sgemm_serial(int64_t m, int64_t n, int64_t k, float alpha, const float* A, int64_t lda, bool tA,
                         const float* B, int64_t ldb, bool tB, float beta, float* C, int64_t ldc,
                         const float* const* brows = nullptr, const float* const* arows = nullptr,
                         const float* packedA = nullptr) {
  if (k == 0) {
    for (int64_t i = 0; i < m; i++)
      for (int64_t j = 0; j < n; j++) C[i * ldc + j] = beta != 0.f ? beta * C[i * ldc + j] : 0.f;
    return;
  }
  if ((m == 1 || n == 1) && !brows && !arows && !packedA) {
    gemv(m, n, k, alpha, A, lda, tA, B, ldb, tB, beta, C, ldc, balanced_block(k, blocks().kc, 1));
    return;
  }
  Buffers& buf = buffers();
  const Blocks& bl = blocks();
  // B is read in place (row-major only) when few rows of A use it: packing it would cost more than it saves. Only a
  // partial last column panel is packed then, so the kernel never reads past column n.
  const bool directB = brows || (!tB && m <= kDirectBRows);
  // (a prepacked A has the blocks of bl.kc)
  const int64_t kcCap = directB && !brows && !packedA && ldb >= kWideBRows ? bl.kcWideB : bl.kc;
  const int64_t NCb = balanced_block(n, bl.nc, NR), KCb = balanced_block(k, kcCap, 1),
                MCb = balanced_block(m, bl.mc, MR);
  const int64_t mPad = panel_rows(m);
  for (int64_t jc = 0; jc < n; jc += NCb) {
    const int64_t nc = std::min(NCb, n - jc), fullB = directB ? nc / NR * NR : 0;
    for (int64_t pc = 0; pc < k; pc += KCb) {
      const int64_t kc = std::min(KCb, k - pc);
      const float beta_eff = pc == 0 ? beta : 1.f;
      if (fullB < nc) pack_b(kc, nc - fullB, B, ldb, tB, pc, jc + fullB, buf.b, brows);
      for (int64_t ic = 0; ic < m; ic += MCb) {
        const int64_t mc = std::min(MCb, m - ic);
        // A is read in place when its block serves few column panels (packing would not pay for itself); only a
        // partial last row panel is packed then, so the kernel never reads past row m.
        const int64_t full = !packedA && nc <= kDirectACols ? mc / MR * MR : 0;
        if (!packedA && full < mc) pack_a(mc - full, kc, A, lda, tA, ic + full, pc, buf.a, arows);
        const float* ap = packedA ? packedA + pc * mPad + ic * kc : buf.a;
        for (int64_t jr = 0; jr < nc; jr += NR) {
          const bool inPlace = jr < fullB;
          const float* bp = inPlace ? B + pc * ldb + jc + jr : buf.b + ((jr - fullB) / NR) * NR * kc;
          const int64_t bs = inPlace ? ldb : NR, nr = std::min<int64_t>(NR, nc - jr);
          float* cj = C + ic * ldc + jc + jr;
          if (inPlace && brows) {  // the rows where they lie; A row-major (sgemm_rows)
            for (int64_t ir = 0; ir < full; ir += MR)
              micro_kernel<1, true>(kc, A + (ic + ir) * lda + pc, lda, nullptr, 0, cj + ir * ldc, ldc, alpha,
                                    beta_eff, MR, nr, brows + pc, jc + jr);
            for (int64_t ir = full; ir < mc; ir += MR)
              micro_kernel<0, true>(kc, ap + ((ir - full) / MR) * MR * kc, MR, nullptr, 0, cj + ir * ldc, ldc,
                                    alpha, beta_eff, std::min<int64_t>(MR, mc - ir), nr, brows + pc, jc + jr);
            continue;
          }
          for (int64_t ir = 0; ir < full; ir += MR) {
            if (arows)
              micro_kernel<2>(kc, nullptr, 0, bp, bs, cj + ir * ldc, ldc, alpha, beta_eff, MR, nr, nullptr, 0,
                              arows + ic + ir, pc);
            else if (tA)
              micro_kernel<0>(kc, A + pc * lda + ic + ir, lda, bp, bs, cj + ir * ldc, ldc, alpha, beta_eff, MR, nr);
            else
              micro_kernel<1>(kc, A + (ic + ir) * lda + pc, lda, bp, bs, cj + ir * ldc, ldc, alpha, beta_eff, MR, nr);
          }
          for (int64_t ir = full; ir < mc; ir += MR)
            micro_kernel<0>(kc, ap + ((ir - full) / MR) * MR * kc, MR, bp, bs, cj + ir * ldc, ldc, alpha,
                            beta_eff, std::min<int64_t>(MR, mc - ir), nr);
        }
      }
    }
  }
}

// C (m x n) = A (m x k, row-major) · B + beta·C, where B's row p is brows[p][0, n): a column matrix read where it
// lies instead of gathered into one (a stride-1 convolution's taps are shifted views of a padded image). Serial:
// the convolutions that use it run images on separate threads.
void sgemm_rows(int64_t m, int64_t n, int64_t k, const float* A, int64_t lda, const float* const* brows, float beta,
                float* C, int64_t ldc) {
  if (m == 0 || n == 0) return;
  sgemm_serial(m, n, k, 1.f, A, lda, false, nullptr, 0, false, beta, C, ldc, brows);
}
// C (m x n) = A · op(B) + beta·C with A's row i at arows[i][0, k) (a weight gradient's column matrix in place).
void sgemm_arows(int64_t m, int64_t n, int64_t k, const float* const* arows, const float* B, int64_t ldb, bool tB,
                 float beta, float* C, int64_t ldc) {
  if (m == 0 || n == 0) return;
  sgemm_serial(m, n, k, 1.f, nullptr, 0, false, B, ldb, tB, beta, C, ldc, nullptr, arows);
}

// op(A) (m x k) packed once for many products that share it (a convolution's weight across its groups of images):
// for each block of KC steps, the MR-row panels of all m rows, so any MC block of sgemm_serial starts inside it.
// sgemm_packed_a_size floats at dst.
int64_t sgemm_packed_a_size(int64_t m, int64_t k) { return panel_rows(m) * k; }
void sgemm_pack_a(int64_t m, int64_t k, const float* A, int64_t lda, bool tA, float* dst) {
  const int64_t KCb = balanced_block(k, blocks().kc, 1), mPad = panel_rows(m);
  for (int64_t pc = 0; pc < k; pc += KCb) pack_a(m, std::min(KCb, k - pc), A, lda, tA, 0, pc, dst + pc * mPad);
}
// C (m x n) = op(A) · op(B) + beta·C with op(A) from sgemm_pack_a. Serial, like sgemm_rows.
void sgemm_prepacked(int64_t m, int64_t n, int64_t k, const float* packedA, const float* B, int64_t ldb, bool tB,
                     float beta, float* C, int64_t ldc) {
  if (m == 0 || n == 0) return;
  sgemm_serial(m, n, k, 1.f, nullptr, 0, false, B, ldb, tB, beta, C, ldc, nullptr, nullptr, packedA);
}

// The thread grid (rows x columns of C) with the least work on its busiest thread: its tile's multiply-adds per
// step of k, plus the packing of its slices of A and B (weighted as 4 multiply-adds per element, roughly their
// relative cost). Small-m products split columns, tall thin ones rows, square ones both.
static void thread_grid(int64_t m, int64_t n, int nt, int& tm, int& tn) {
  const int64_t rowUnits = (m + MR - 1) / MR, colUnits = (n + NR - 1) / NR;
  double best = 1e300;
  tm = 1; tn = 1;
  for (int a = 1; a <= nt; a++) {
    if (nt % a != 0 || a > rowUnits || nt / a > colUnits) continue;
    const double rows = double((rowUnits + a - 1) / a * MR), cols = double((colUnits + nt / a - 1) / (nt / a) * NR);
    const double cost = rows * cols + 4 * (rows + cols);
    if (cost < best) { best = cost; tm = a; tn = nt / a; }
  }
}

void sgemm(int64_t m, int64_t n, int64_t k, float alpha, const float* A, int64_t lda, bool tA, const float* B,
           int64_t ldb, bool tB, float beta, float* C, int64_t ldc, int nthreads) {
  if (m == 0 || n == 0) return;
  double flops = 2.0 * double(m) * double(n) * double(k);
  int nt = flops < kGemmParallelFlops ? 1 : int(std::min<double>(nthreads, std::floor(flops / kGemmThreadFlops)));
  int tm = 1, tn = 1;
  if (nt > 1) thread_grid(m, n, nt, tm, tn);
  if (tm * tn <= 1) { sgemm_serial(m, n, k, alpha, A, lda, tA, B, ldb, tB, beta, C, ldc); return; }
  const int64_t rowUnits = (m + MR - 1) / MR, colUnits = (n + NR - 1) / NR;
#pragma omp parallel num_threads(tm * tn)
  {
    const int t = omp_get_thread_num(), ti = t / tn, tj = t % tn;
    const int64_t i0 = std::min(m, rowUnits * ti / tm * MR), i1 = std::min(m, rowUnits * (ti + 1) / tm * MR);
    const int64_t j0 = std::min(n, colUnits * tj / tn * NR), j1 = std::min(n, colUnits * (tj + 1) / tn * NR);
    if (i1 > i0 && j1 > j0) {
      const float* At = tA ? A + i0 : A + i0 * lda;
      const float* Bt = tB ? B + j0 * ldb : B + j0;
      sgemm_serial(i1 - i0, j1 - j0, k, alpha, At, lda, tA, Bt, ldb, tB, beta, C + i0 * ldc + j0, ldc);
    }
  }
}

void sgemm_batched(int64_t batch, int64_t m, int64_t n, int64_t k, const float* A, int64_t strideA, bool tA,
                   const float* B, int64_t strideB, bool tB, float beta, float* C) {
  int64_t lda = tA ? m : k, ldb = tB ? k : n;
  int nt = get_threads();
  // Many small products: one thread per batch range; few large ones: threads inside each product.
  if (batch >= nt && nt > 1 && 2.0 * m * n * k < 4e6) {
#pragma omp parallel for num_threads(nt) schedule(static)
    for (int64_t b = 0; b < batch; b++)
      sgemm_serial(m, n, k, 1.f, A + b * strideA, lda, tA, B + b * strideB, ldb, tB, beta, C + b * m * n, n);
  } else {
    for (int64_t b = 0; b < batch; b++)
      sgemm(m, n, k, 1.f, A + b * strideA, lda, tA, B + b * strideB, ldb, tB, beta, C + b * m * n, n, nt);
  }
}

}  // namespace DG_ISA_NS
}  // namespace dg

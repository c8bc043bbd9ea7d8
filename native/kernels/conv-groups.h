// How a convolution through GEMM splits its batch: images with small outputs in groups side by side (one product
// per group), groups shared out between threads, and the weight packed once for every group's product. Included by
// conv.cc only (one translation unit per ISA path).
#pragma once
#include <algorithm>
#include <cstring>
#include <vector>
#include "isa.h"
#include "parallel.h"
#include "simd.h"

namespace dg {
namespace DG_ISA_NS {

// gemm.cc: op(A) packed once for many serial products (sgemm_pack_a), and a product that reads it (sgemm_prepacked)
int64_t sgemm_packed_a_size(int64_t m, int64_t k);
void sgemm_pack_a(int64_t m, int64_t k, const float* A, int64_t lda, bool tA, float* dst);
void sgemm_prepacked(int64_t m, int64_t n, int64_t k, const float* packedA, const float* B, int64_t ldb, bool tB,
                     float beta, float* C, int64_t ldc);

namespace {

// The weight (or its transpose, for the input gradient) packed once for the serial products of every group of
// images, rather than by each of them: DCGAN's 4x4 layer packed its 512 KB weight again for each of 11 groups, in
// the forward and in the input gradient. Empty when not `wanted`, when the products run on several threads each, or
// on one group.
struct PackedWeight {
  std::vector<float> data;
  PackedWeight(bool wanted, const ConvGeom& g, int64_t G, const float* wc, int64_t K, bool transposed) {
    if (!wanted || (g.N + G - 1) / G < std::max(2, get_threads())) return;
    const int64_t m = transposed ? K : g.Cout, k = transposed ? g.Cout : K;
    data.resize(sgemm_packed_a_size(m, k));
    sgemm_pack_a(m, k, wc, K, transposed, data.data());
  }
  // C (m x n) = op(wc) · B + beta·C, through the packed weight where there is one and the product is serial
  void gemm(int64_t m, int64_t n, int64_t k, const float* wc, int64_t K, bool transposed, const float* B, int64_t ldb,
            float beta, float* C, int64_t ldc, int threads) const {
    if (!data.empty() && threads == 1) sgemm_prepacked(m, n, k, data.data(), B, ldb, false, beta, C, ldc);
    else sgemm(m, n, k, 1.f, wc, K, transposed, B, ldb, false, beta, C, ldc, threads);
  }
};

// Images whose outputs are small are handled in groups side by side in one column matrix, so each GEMM has at
// least this many columns (DCGAN's 7x7 outputs: 49 columns per image; the micro-kernel wants several panels)...
constexpr int64_t kMinGemmCols = 256;
// ...unless the group's column matrix (K rows) would then pass this many bytes: it is written and read back while
// the packed weight and the image are in L2 too. DCGAN's 4x4 layer (1,024 rows) ran its forward and both gradients
// 4-9 % faster in groups of 2-4 images (0.4-0.8 MB) than of 6 (1.2 MB), at one and two threads (Intel Xeon, 2 MB
// L2; bench/conv-ab.ts); its first layer (16 rows) keeps groups of 2, whose tiny products want the columns.
constexpr int64_t kMaxGroupBytes = 768 << 10;

int64_t group_size(const ConvGeom& g, int64_t K) {
  const int64_t P = g.Ho * g.Wo, bytes = std::max<int64_t>(1, K * P * int64_t(sizeof(float)));
  const int64_t G = std::min((kMinGemmCols + P - 1) / P, kMaxGroupBytes / bytes);
  return std::max<int64_t>(1, std::min<int64_t>(g.N, G));
}

// Runs fn(n0, n1, gemmThreads, thread) for groups of images [n0, n1): in parallel over groups when there are enough
// of them, otherwise group by group (of G) with threads inside the GEMM.
template <class F>
void for_groups(const ConvGeom& g, int64_t G, F fn) {
  const int64_t groups = (g.N + G - 1) / G;
  int nt = get_threads();
  if (groups >= nt && nt > 1) {
#pragma omp parallel num_threads(nt)
    {
      // each thread an equal share of the images (not of the groups: 11 groups of 6 of DCGAN's 64 images left one
      // thread 34), cut into groups of at least G
      const int t = omp_get_thread_num(), T = omp_get_num_threads();
      const int64_t a = g.N * t / T, b = g.N * (t + 1) / T, q = std::max<int64_t>(1, (b - a) / G);
      for (int64_t i = 0; i < q && a < b; i++) fn(a + (b - a) * i / q, a + (b - a) * (i + 1) / q, 1, t);
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
}  // namespace DG_ISA_NS
}  // namespace dg

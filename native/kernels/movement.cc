// Data movement: strided copies (permute, expand, slice, concat, pad all reduce to these), index select / gather
// and their scatter-add adjoints.
#include <algorithm>
#include <cstring>
#include "kernels.h"
#include "parallel.h"

namespace dg {

namespace {

// One run of a strided copy: n values from s (stride is) to o (stride id), added when accumulating.
inline void copy_run(const float* s, float* o, int64_t n, int64_t is, int64_t id, bool accumulate) {
  if (accumulate) {
    for (int64_t i = 0; i < n; i++) o[i * id] += s[i * is];
  } else if (is == 1 && id == 1) {
    std::memcpy(o, s, n * sizeof(float));
  } else if (is == 0 && id == 1) {
    const float v = s[0];
    for (int64_t i = 0; i < n; i++) o[i] = v;
  } else {
    for (int64_t i = 0; i < n; i++) o[i * id] = s[i * is];
  }
}

}  // namespace

void strided_copy(const float* x, float* out, int ndim, const int64_t* shape, const int64_t* ss, int64_t src_offset,
                  const int64_t* ds, int64_t dst_offset, bool accumulate) {
  int64_t total = 1;
  for (int d = 0; d < ndim; d++) total *= shape[d];
  if (total == 0) return;
  const int64_t inner = shape[ndim - 1], is = ss[ndim - 1], id = ds[ndim - 1];
  const int64_t rows = total / inner;
  // one long run (a scalar expanded to a whole tensor, a flat copy): its pieces go to the threads (unless every
  // value lands on one output, which pieces would race to add into)
  if (rows == 1 && id != 0) {
    parallel_for(inner, kParallelGrain, [&](int64_t i0, int64_t i1) {
      copy_run(x + src_offset + i0 * is, out + dst_offset + i0 * id, i1 - i0, is, id, accumulate);
    });
    return;
  }
  int64_t grain = std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(inner, 1));
  parallel_for(rows, grain, [&](int64_t r0, int64_t r1) {
    int64_t idx[16];
    int64_t rem = r0;
    for (int d = ndim - 2; d >= 0; d--) { idx[d] = rem % shape[d]; rem /= shape[d]; }
    for (int64_t r = r0; r < r1; r++) {
      int64_t so = src_offset, dof = dst_offset;
      for (int d = 0; d < ndim - 1; d++) { so += idx[d] * ss[d]; dof += idx[d] * ds[d]; }
      copy_run(x + so, out + dof, inner, is, id, accumulate);
      for (int d = ndim - 2; d >= 0; d--) {
        if (++idx[d] < shape[d]) break;
        idx[d] = 0;
      }
    }
  });
}

void index_select(const float* x, const int32_t* idx, float* out, int64_t outer, int64_t nIn, int64_t inner,
                  int64_t nIdx) {
  for (int64_t o = 0; o < outer; o++)
    for (int64_t j = 0; j < nIdx; j++)
      std::memcpy(out + (o * nIdx + j) * inner, x + (o * nIn + idx[j]) * inner, inner * sizeof(float));
}

void index_add(const float* g, const int32_t* idx, float* gx, int64_t outer, int64_t nIn, int64_t inner, int64_t nIdx) {
  for (int64_t o = 0; o < outer; o++)
    for (int64_t j = 0; j < nIdx; j++) {
      const float* s = g + (o * nIdx + j) * inner;
      float* d = gx + (o * nIn + idx[j]) * inner;
      for (int64_t i = 0; i < inner; i++) d[i] += s[i];
    }
}

void gather(const float* x, const int32_t* idx, float* out, int64_t outer, int64_t nIn, int64_t nOut, int64_t inner) {
  for (int64_t o = 0; o < outer; o++)
    for (int64_t j = 0; j < nOut; j++)
      for (int64_t i = 0; i < inner; i++) {
        int64_t q = (o * nOut + j) * inner + i;
        out[q] = x[(o * nIn + idx[q]) * inner + i];
      }
}

void scatter_add(const float* g, const int32_t* idx, float* gx, int64_t outer, int64_t nIn, int64_t nOut,
                 int64_t inner) {
  for (int64_t o = 0; o < outer; o++)
    for (int64_t j = 0; j < nOut; j++)
      for (int64_t i = 0; i < inner; i++) {
        int64_t q = (o * nOut + j) * inner + i;
        gx[(o * nIn + idx[q]) * inner + i] += g[q];
      }
}

}  // namespace dg

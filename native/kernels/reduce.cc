// Reductions over the middle axis of [outer, n, inner], softmax over rows, cross-entropy with logits.
#include <algorithm>
#include <cmath>
#include <vector>
#include "isa.h"
#include "parallel.h"
#include "vmath.h"

namespace dg {
namespace DG_ISA_NS {

static void reduce_block(int op, const float* x, float* out, int64_t n, int64_t inner, int64_t stride) {
  if (inner == 1 && stride == 1) {  // contiguous run of n values
    switch (op) {
      case R_SUM: {
        vf acc[4] = {};
        int64_t i = 0;
        for (; i + 4 * VW <= n; i += 4 * VW)
          for (int u = 0; u < 4; u++) acc[u] += vload(x + i + u * VW);
        vf s = acc[0] + acc[1] + acc[2] + acc[3];
        float t = 0.f;
        for (int l = 0; l < VW; l++) t += s[l];
        for (; i < n; i++) t += x[i];
        out[0] = t;
        break;
      }
      case R_MAX: {
        float m = -INFINITY;
        for (int64_t i = 0; i < n; i++) m = x[i] > m || x[i] != x[i] ? x[i] : m;
        out[0] = m;
        break;
      }
      case R_MIN: {
        float m = INFINITY;
        for (int64_t i = 0; i < n; i++) m = x[i] < m || x[i] != x[i] ? x[i] : m;
        out[0] = m;
        break;
      }
      case R_LOGSUMEXP: {
        float m = -INFINITY;
        for (int64_t i = 0; i < n; i++) m = std::max(m, x[i]);
        if (!std::isfinite(m)) { out[0] = m; break; }
        float s = 0.f;
        const vf mv = vset1(m);
        int64_t i = 0;
        vf acc = {};
        for (; i + VW <= n; i += VW) acc += vexp(vload(x + i) - mv);
        for (int l = 0; l < VW; l++) s += acc[l];
        for (; i < n; i++) s += std::exp(x[i] - m);
        out[0] = m + std::log(s);
        break;
      }
    }
    return;
  }
  // strided: accumulate rows of `inner` contiguous values
  switch (op) {
    case R_SUM:
      for (int64_t i = 0; i < inner; i++) out[i] = 0.f;
      for (int64_t r = 0; r < n; r++) {
        const float* xr = x + r * stride;
        for (int64_t i = 0; i < inner; i++) out[i] += xr[i];
      }
      break;
    case R_MAX:
      for (int64_t i = 0; i < inner; i++) out[i] = -INFINITY;
      for (int64_t r = 0; r < n; r++) {
        const float* xr = x + r * stride;
        for (int64_t i = 0; i < inner; i++) out[i] = xr[i] > out[i] || xr[i] != xr[i] ? xr[i] : out[i];
      }
      break;
    case R_MIN:
      for (int64_t i = 0; i < inner; i++) out[i] = INFINITY;
      for (int64_t r = 0; r < n; r++) {
        const float* xr = x + r * stride;
        for (int64_t i = 0; i < inner; i++) out[i] = xr[i] < out[i] || xr[i] != xr[i] ? xr[i] : out[i];
      }
      break;
    case R_LOGSUMEXP: {
      std::vector<float> m(inner, -INFINITY), s(inner, 0.f);
      for (int64_t r = 0; r < n; r++) {
        const float* xr = x + r * stride;
        for (int64_t i = 0; i < inner; i++) m[i] = std::max(m[i], xr[i]);
      }
      for (int64_t r = 0; r < n; r++) {
        const float* xr = x + r * stride;
        for (int64_t i = 0; i < inner; i++) s[i] += std::isfinite(m[i]) ? std::exp(xr[i] - m[i]) : 0.f;
      }
      for (int64_t i = 0; i < inner; i++) out[i] = std::isfinite(m[i]) ? m[i] + std::log(s[i]) : m[i];
      break;
    }
  }
}

void reduce(int op, const float* x, float* out, int64_t outer, int64_t n, int64_t inner) {
  if (n == 0) {
    float fill = op == R_SUM ? 0.f : (op == R_MIN ? INFINITY : -INFINITY);
    for (int64_t i = 0; i < outer * inner; i++) out[i] = fill;
    return;
  }
  if (outer > 1) {
    int64_t grain = std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(n * inner, 1));
    parallel_for(outer, grain, [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; o++) reduce_block(op, x + o * n * inner, out + o * inner, n, inner, inner);
    });
  } else if (inner > 1) {  // split the inner columns across threads
    int64_t grain = std::max<int64_t>(16, kParallelGrain / std::max<int64_t>(n, 1));
    parallel_for(inner, grain, [&](int64_t b, int64_t e) { reduce_block(op, x + b, out + b, n, e - b, inner); });
  } else {
    reduce_block(op, x, out, n, 1, 1);
  }
}

void softmax(const float* x, float* out, int64_t rows, int64_t cols, bool log) {
  int64_t grain = std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(cols, 1));
  parallel_for(rows, grain, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; r++) {
      const float* xr = x + r * cols;
      float* o = out + r * cols;
      float m = -INFINITY;
      for (int64_t i = 0; i < cols; i++) m = std::max(m, xr[i]);
      const vf mv = vset1(m);
      vmap(xr, o, cols, [&](vf v) { return vexp(v - mv); });
      float s = 0.f;
      for (int64_t i = 0; i < cols; i++) s += o[i];
      if (log) {
        const float ls = std::log(s);  // (x − m) − log s keeps precision when |m| is large
        for (int64_t i = 0; i < cols; i++) o[i] = (xr[i] - m) - ls;
      } else {
        float inv = 1.f / s;
        for (int64_t i = 0; i < cols; i++) o[i] *= inv;
      }
    }
  });
}

void softmax_grad(const float* y, const float* gy, float* out, int64_t rows, int64_t cols, bool log) {
  int64_t grain = std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(cols, 1));
  parallel_for(rows, grain, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; r++) {
      const float* yr = y + r * cols;
      const float* g = gy + r * cols;
      float* o = out + r * cols;
      if (log) {  // d logsoftmax: g - softmax * sum(g)
        float s = 0.f;
        for (int64_t i = 0; i < cols; i++) s += g[i];
        vmap(yr, o, cols, [](vf v) { return vexp(v); });
        for (int64_t i = 0; i < cols; i++) o[i] = g[i] - o[i] * s;
      } else {  // d softmax: y * (g - sum(g * y))
        float s = 0.f;
        for (int64_t i = 0; i < cols; i++) s += g[i] * yr[i];
        for (int64_t i = 0; i < cols; i++) o[i] = yr[i] * (g[i] - s);
      }
    }
  });
}

void cross_entropy(const float* z, const int32_t* target, float* loss, int64_t outer, int64_t C, int64_t inner) {
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < inner; i++) {
      const float* zz = z + o * C * inner + i;
      float m = -INFINITY;
      for (int64_t c = 0; c < C; c++) m = std::max(m, zz[c * inner]);
      float s = 0.f;
      for (int64_t c = 0; c < C; c++) s += std::exp(zz[c * inner] - m);
      loss[o * inner + i] = m + std::log(s) - zz[int64_t(target[o * inner + i]) * inner];
    }
}

void cross_entropy_grad(const float* z, const int32_t* target, const float* gloss, float* gz, int64_t outer, int64_t C,
                        int64_t inner) {
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < inner; i++) {
      const float* zz = z + o * C * inner + i;
      float* gg = gz + o * C * inner + i;
      float m = -INFINITY;
      for (int64_t c = 0; c < C; c++) m = std::max(m, zz[c * inner]);
      float s = 0.f;
      for (int64_t c = 0; c < C; c++) s += std::exp(zz[c * inner] - m);
      const float g = gloss[o * inner + i], inv = 1.f / s;
      for (int64_t c = 0; c < C; c++) gg[c * inner] = g * std::exp(zz[c * inner] - m) * inv;
      gg[int64_t(target[o * inner + i]) * inner] -= g;
    }
}

}  // namespace DG_ISA_NS
}  // namespace dg

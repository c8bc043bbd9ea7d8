// Elementwise kernels: unary ops, their gradients, broadcast binary ops and where.
#include <algorithm>
#include <cmath>
#include "isa.h"
#include "parallel.h"
#include "vmath.h"

namespace dg {
namespace DG_ISA_NS {

static void unary_range(int op, const float* x, float* out, int64_t n, float alpha, float beta) {
  switch (op) {
    case U_NEG: for (int64_t i = 0; i < n; i++) out[i] = -x[i]; break;
    case U_EXP: vmap(x, out, n, [](vf v) { return vexp(v); }); break;
    case U_LOG: vmap(x, out, n, [](vf v) { return vlog(v); }); break;
    case U_LOG1P: for (int64_t i = 0; i < n; i++) out[i] = std::log1p(x[i]); break;
    case U_EXPM1: for (int64_t i = 0; i < n; i++) out[i] = std::expm1(x[i]); break;
    case U_SQRT: for (int64_t i = 0; i < n; i++) out[i] = std::sqrt(x[i]); break;
    case U_SQUARE: for (int64_t i = 0; i < n; i++) out[i] = x[i] * x[i]; break;
    case U_ABS: for (int64_t i = 0; i < n; i++) out[i] = std::fabs(x[i]); break;
    case U_SIGMOID: vmap(x, out, n, [](vf v) { return vsigmoid(v); }); break;
    case U_LOGSIGMOID: vmap(x, out, n, [](vf v) { return vlogsigmoid(v); }); break;
    case U_TANH: vmap(x, out, n, [](vf v) { return vtanh(v); }); break;
    case U_RELU: for (int64_t i = 0; i < n; i++) out[i] = x[i] > 0.f ? x[i] : 0.f; break;
    case U_LEAKYRELU: vmap(x, out, n, [s = vset1(alpha)](vf v) { return v > vf{} ? v : v * s; }); break;
    case U_ELU: for (int64_t i = 0; i < n; i++) out[i] = x[i] > 0.f ? x[i] : alpha * std::expm1(x[i]); break;
    case U_SOFTPLUS: vmap(x, out, n, [](vf v) { return vsoftplus(v); }); break;
    case U_ERF: for (int64_t i = 0; i < n; i++) out[i] = std::erf(x[i]); break;
    case U_CLAMP: for (int64_t i = 0; i < n; i++) out[i] = x[i] < alpha ? alpha : (x[i] > beta ? beta : x[i]); break;
    case U_AFFINE: for (int64_t i = 0; i < n; i++) out[i] = alpha * x[i] + beta; break;
    case U_POWSCALAR:
      if (alpha == 2.f) for (int64_t i = 0; i < n; i++) out[i] = x[i] * x[i];
      else for (int64_t i = 0; i < n; i++) out[i] = std::pow(x[i], alpha);
      break;
    case U_SIGN: for (int64_t i = 0; i < n; i++) out[i] = float((x[i] > 0.f) - (x[i] < 0.f)); break;
    case U_RECIPROCAL: for (int64_t i = 0; i < n; i++) out[i] = 1.f / x[i]; break;
  }
}

void unary(int op, const float* x, float* out, int64_t n, float alpha, float beta) {
  parallel_for(n, kParallelGrain, [&](int64_t b, int64_t e) { unary_range(op, x + b, out + b, e - b, alpha, beta); });
}

static void unary_grad_range(int op, const float* x, const float* y, const float* gy, float* out, int64_t n,
                             float alpha, float beta) {
  constexpr float kTwoOverSqrtPi = 1.12837916709551257f;
  switch (op) {
    case U_NEG: for (int64_t i = 0; i < n; i++) out[i] = -gy[i]; break;
    case U_EXP: for (int64_t i = 0; i < n; i++) out[i] = gy[i] * y[i]; break;
    case U_LOG: for (int64_t i = 0; i < n; i++) out[i] = gy[i] / x[i]; break;
    case U_LOG1P: for (int64_t i = 0; i < n; i++) out[i] = gy[i] / (1.f + x[i]); break;
    case U_EXPM1: for (int64_t i = 0; i < n; i++) out[i] = gy[i] * (y[i] + 1.f); break;
    case U_SQRT: for (int64_t i = 0; i < n; i++) out[i] = gy[i] * 0.5f / y[i]; break;
    case U_SQUARE: for (int64_t i = 0; i < n; i++) out[i] = gy[i] * 2.f * x[i]; break;
    case U_ABS: for (int64_t i = 0; i < n; i++) out[i] = gy[i] * float((x[i] > 0.f) - (x[i] < 0.f)); break;
    case U_SIGMOID: for (int64_t i = 0; i < n; i++) out[i] = gy[i] * y[i] * (1.f - y[i]); break;
    case U_LOGSIGMOID:  // d/dx log sigmoid(x) = sigmoid(-x)
      vmap(x, out, n, [](vf v) { return vsigmoid(-v); });
      for (int64_t i = 0; i < n; i++) out[i] *= gy[i];
      break;
    case U_TANH: for (int64_t i = 0; i < n; i++) out[i] = gy[i] * (1.f - y[i] * y[i]); break;
    // the selects below are written as vector code: as scalar ternaries (alpha · gy may raise a floating-point
    // flag, so the compiler may not compute it for every element) the AVX2 build kept them as a branch per float
    case U_RELU: vmap2(x, gy, out, n, [](vf v, vf g) { return v > vf{} ? g : vf{}; }); break;
    case U_LEAKYRELU: vmap2(x, gy, out, n, [s = vset1(alpha)](vf v, vf g) { return v > vf{} ? g : g * s; }); break;
    case U_ELU: for (int64_t i = 0; i < n; i++) out[i] = x[i] > 0.f ? gy[i] : gy[i] * (y[i] + alpha); break;
    case U_SOFTPLUS:
      vmap(x, out, n, [](vf v) { return vsigmoid(v); });
      for (int64_t i = 0; i < n; i++) out[i] *= gy[i];
      break;
    case U_ERF: for (int64_t i = 0; i < n; i++) out[i] = gy[i] * kTwoOverSqrtPi * std::exp(-x[i] * x[i]); break;
    case U_CLAMP: for (int64_t i = 0; i < n; i++) out[i] = (x[i] >= alpha && x[i] <= beta) ? gy[i] : 0.f; break;
    case U_AFFINE: for (int64_t i = 0; i < n; i++) out[i] = gy[i] * alpha; break;
    case U_POWSCALAR:
      for (int64_t i = 0; i < n; i++) out[i] = gy[i] * alpha * std::pow(x[i], alpha - 1.f);
      break;
    case U_SIGN: for (int64_t i = 0; i < n; i++) out[i] = 0.f; break;
    case U_RECIPROCAL: for (int64_t i = 0; i < n; i++) out[i] = -gy[i] * y[i] * y[i]; break;
  }
}

void unary_grad(int op, const float* x, const float* y, const float* gy, float* out, int64_t n, float alpha,
                float beta) {
  parallel_for(n, kParallelGrain, [&](int64_t b, int64_t e) {
    unary_grad_range(op, x ? x + b : nullptr, y ? y + b : nullptr, gy + b, out + b, e - b, alpha, beta);
  });
}

template <int OP>
static inline float bin(float a, float b) {
  switch (OP) {
    case B_ADD: return a + b;
    case B_SUB: return a - b;
    case B_MUL: return a * b;
    case B_DIV: return a / b;
    case B_POW: return std::pow(a, b);
    case B_MIN: return a < b ? a : b;
    case B_MAX: return a > b ? a : b;
    case B_EQ: return float(a == b);
    case B_NE: return float(a != b);
    case B_LT: return float(a < b);
    case B_LE: return float(a <= b);
    case B_GT: return float(a > b);
    case B_GE: return float(a >= b);
    case B_BCE_LOGITS: return (a > 0.f ? a : 0.f) - a * b + std::log1p(std::exp(-std::fabs(a)));
    case B_BCE_LOGITS_GRAD: return 1.f / (1.f + std::exp(-a)) - b;
  }
  return 0.f;
}

// Inner loop over the last (collapsed) dim, specialised for unit and zero strides so the compiler vectorizes.
template <int OP>
static inline void bin_row(const float* a, const float* b, float* o, int64_t n, int64_t sa, int64_t sb) {
  if (OP == B_BCE_LOGITS && sa == 1 && sb == 1) {
    vmap(a, o, n, [](vf z) { return vmax(z, vf{}) + vlog1p_pos(vexp(-vabs(z))); });
    for (int64_t i = 0; i < n; i++) o[i] -= a[i] * b[i];
  } else if (OP == B_BCE_LOGITS_GRAD && sa == 1 && sb == 1) {
    vmap(a, o, n, [](vf z) { return vsigmoid(z); });
    for (int64_t i = 0; i < n; i++) o[i] -= b[i];
  } else if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; i++) o[i] = bin<OP>(a[i], b[i]);
  } else if (sa == 1 && sb == 0) {
    const float bv = b[0];
    for (int64_t i = 0; i < n; i++) o[i] = bin<OP>(a[i], bv);
  } else if (sa == 0 && sb == 1) {
    const float av = a[0];
    for (int64_t i = 0; i < n; i++) o[i] = bin<OP>(av, b[i]);
  } else {
    for (int64_t i = 0; i < n; i++) o[i] = bin<OP>(a[i * sa], b[i * sb]);
  }
}

// Walks rows [r0, r1) of the output viewed as [rows, shape[ndim-1]], keeping a multi-index for the outer dims.
template <class Row>
static void for_rows(int ndim, const int64_t* shape, int64_t r0, int64_t r1, Row row) {
  int64_t idx[16];
  int64_t rem = r0;
  for (int d = ndim - 2; d >= 0; d--) { idx[d] = rem % shape[d]; rem /= shape[d]; }
  for (int64_t r = r0; r < r1; r++) {
    row(r, idx);
    for (int d = ndim - 2; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

template <int OP>
static void binary_t(const float* a, const float* b, float* out, int ndim, const int64_t* shape, const int64_t* sa,
                     const int64_t* sb) {
  int64_t inner = shape[ndim - 1], rows = 1;
  for (int d = 0; d < ndim - 1; d++) rows *= shape[d];
  if (rows == 1) {  // one long row: split it across threads
    parallel_for(inner, kParallelGrain, [&](int64_t s, int64_t e) {
      bin_row<OP>(a + s * sa[0], b + s * sb[0], out + s, e - s, sa[0], sb[0]);
    });
    return;
  }
  int64_t grain = std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(inner, 1));
  parallel_for(rows, grain, [&](int64_t r0, int64_t r1) {
    for_rows(ndim, shape, r0, r1, [&](int64_t r, const int64_t* idx) {
      int64_t oa = 0, ob = 0;
      for (int d = 0; d < ndim - 1; d++) { oa += idx[d] * sa[d]; ob += idx[d] * sb[d]; }
      bin_row<OP>(a + oa, b + ob, out + r * inner, inner, sa[ndim - 1], sb[ndim - 1]);
    });
  });
}

void binary(int op, const float* a, const float* b, float* out, int ndim, const int64_t* shape, const int64_t* sa,
            const int64_t* sb) {
  switch (op) {
#define CASE(X) case X: binary_t<X>(a, b, out, ndim, shape, sa, sb); break;
    CASE(B_ADD) CASE(B_SUB) CASE(B_MUL) CASE(B_DIV) CASE(B_POW) CASE(B_MIN) CASE(B_MAX) CASE(B_EQ) CASE(B_NE)
    CASE(B_LT) CASE(B_LE) CASE(B_GT) CASE(B_GE) CASE(B_BCE_LOGITS) CASE(B_BCE_LOGITS_GRAD)
#undef CASE
  }
}

void where(const float* c, const float* a, const float* b, float* out, int ndim, const int64_t* shape,
           const int64_t* sc, const int64_t* sa, const int64_t* sb) {
  int64_t inner = shape[ndim - 1], rows = 1;
  for (int d = 0; d < ndim - 1; d++) rows *= shape[d];
  const int64_t ic = sc[ndim - 1], ia = sa[ndim - 1], ib = sb[ndim - 1];
  for_rows(ndim, shape, 0, rows, [&](int64_t r, const int64_t* idx) {
    int64_t oc = 0, oa = 0, ob = 0;
    for (int d = 0; d < ndim - 1; d++) { oc += idx[d] * sc[d]; oa += idx[d] * sa[d]; ob += idx[d] * sb[d]; }
    float* o = out + r * inner;
    for (int64_t i = 0; i < inner; i++) o[i] = c[oc + i * ic] != 0.f ? a[oa + i * ia] : b[ob + i * ib];
  });
}

}  // namespace DG_ISA_NS
}  // namespace dg

// Vectorized exp, log, tanh, sigmoid for float32 (Cephes-style range reduction + minimax polynomials).
// Accuracy, checked against float64 by test/backend/vmath.test.ts: max relative error <= 1e-6 for exp on
// [-87, 88], log on normal positive floats, tanh and sigmoid wherever the value is not within 1e-30 of 0.
#pragma once
#include <cmath>
#include "simd.h"

namespace dg {
namespace DG_ISA_NS {

static inline vf vfloor(vf x) {
  vf t = __builtin_convertvector(__builtin_convertvector(x, vi), vf);  // truncation toward zero
  return vselect(t > x, t - 1.f, t);
}

// e^x for x already clamped to [−87.34, 88.38]: x = n ln2 + r with |r| ≤ ln2/2 (ln2 split in two parts for
// precision), e^r by a degree-7 minimax polynomial, 2^n by building the exponent bits. n = round(x log2 e) comes from
// adding 1.5·2^23, which leaves n in the low mantissa bits: two operations instead of a floor's four (σ in NADE's
// recurrence ran 17% faster), and the same n as floor(· + 0.5) except at exact ties, where either is within range.
static inline vf vexp_clamped(vf x) {
  const vf shifter = vset1(12582912.f);  // 1.5·2^23, bit pattern 0x4B400000
  vf big = x * 1.44269504088896341f + shifter;
  vf fx = big - shifter;
  x = x - fx * 0.693359375f;
  x = x + fx * 2.12194440e-4f;
  vf z = x * x;
  vf y = vset1(1.9875691500E-4f);
  y = y * x + 1.3981999507E-3f;
  y = y * x + 8.3334519073E-3f;
  y = y * x + 4.1665795894E-2f;
  y = y * x + 1.6666665459E-1f;
  y = y * x + 5.0000001201E-1f;
  y = y * z + x + 1.f;
  return y * (vf)(((vi)big - (0x4B400000 - 127)) << 23);
}

static inline vf vexp(vf x) {
  const vf hi = vset1(88.3762626647949f), lo = vset1(-87.3365478515625f);
  const vf x0 = x;
  vi over = x > hi, under = x < lo, nan = x != x;
  vf y = vexp_clamped(vmin(vmax(x, lo), hi));
  y = vselect(over, vset1(INFINITY), y);
  y = vselect(under, vf{}, y);
  return vselect(nan, x0, y);
}

static inline vf vlog(vf x) {
  vi invalid = x < 0.f, zero = x == 0.f, inf = x == INFINITY, nan = x != x;
  x = vmax(x, vset1(1.17549435e-38f));  // smallest normal; denormals are treated as it
  vi bits = (vi)x;
  vf e = __builtin_convertvector((bits >> 23) - 126, vf);
  vf m = (vf)((bits & 0x807fffff) | 0x3f000000);  // mantissa in [0.5, 1)
  vi small = m < 0.707106781186547524f;
  e = vselect(small, e - 1.f, e);
  m = vselect(small, m + m, m) - 1.f;
  vf z = m * m;
  vf y = vset1(7.0376836292E-2f);
  y = y * m - 1.1514610310E-1f;
  y = y * m + 1.1676998740E-1f;
  y = y * m - 1.2420140846E-1f;
  y = y * m + 1.4249322787E-1f;
  y = y * m - 1.6668057665E-1f;
  y = y * m + 2.0000714765E-1f;
  y = y * m - 2.4999993993E-1f;
  y = y * m + 3.3333331174E-1f;
  y = y * m * z;
  y = y + e * -2.12194440e-4f;
  y = y - 0.5f * z;
  vf r = m + y + e * 0.693359375f;
  r = vselect(zero, vset1(-INFINITY), r);
  r = vselect(inf, vset1(INFINITY), r);
  return vselect(invalid | nan, vset1(NAN), r);
}

// log(1 + t) for t >= 0 with the rounding of 1 + t corrected (accurate for small t).
static inline vf vlog1p_pos(vf t) {
  vf u = 1.f + t;
  vf corr = (t - (u - 1.f)) / u;
  return vselect(u == 1.f, t, vlog(u) + corr);
}

static inline vf vtanh(vf x) {
  vf ax = vabs(x);
  // |x| < 0.625: odd polynomial; else 1 - 2 / (exp(2|x|) + 1) with the sign restored.
  vf z = x * x;
  vf p = vset1(-5.70498872745E-3f);
  p = p * z + 2.06390887954E-2f;
  p = p * z - 5.37397155531E-2f;
  p = p * z + 1.33314422036E-1f;
  p = p * z - 3.33332819422E-1f;
  vf small = p * z * x + x;
  vf big = 1.f - 2.f / (vexp(2.f * ax) + 1.f);
  big = vselect(x < 0.f, -big, big);
  return vselect(ax < 0.625f, small, big);
}

static inline vf vsigmoid(vf x) { return 1.f / (1.f + vexp(-x)); }

// σ(x) for hot loops: the same range reduction and polynomial as vexp, but the input is clamped to ±87 (where σ is
// 0 or 1 to float precision) instead of special-casing overflow, so there are no selects but the NaN check.
static inline vf vsigmoid_clamped(vf x) {
  const vf nanmask = (vf)(vi)(x != x);
  vf r = 1.f / (1.f + vexp_clamped(vmin(vmax(-x, vset1(-87.f)), vset1(87.f))));
  return (vf)(((vi)r & ~(vi)nanmask) | ((vi)x & (vi)nanmask));
}

// log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|))
static inline vf vlogsigmoid(vf x) { return vmin(x, vf{}) - vlog1p_pos(vexp(-vabs(x))); }

// softplus(x) = log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|))
static inline vf vsoftplus(vf x) { return vmax(x, vf{}) + vlog1p_pos(vexp(-vabs(x))); }

}  // namespace DG_ISA_NS
}  // namespace dg

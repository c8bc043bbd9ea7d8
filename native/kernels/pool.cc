// 2-D max and average pooling, NCHW. Scalar loops, built once (not per instruction set).
#include <cmath>
#include <cstring>
#include "kernels.h"

namespace dg {

void maxpool2d_forward(const ConvGeom& g, const float* x, float* out, int32_t* argmax) {
  for (int64_t nc = 0; nc < g.N * g.C; nc++) {
    const float* xp = x + nc * g.H * g.W;
    for (int64_t oy = 0; oy < g.Ho; oy++)
      for (int64_t ox = 0; ox < g.Wo; ox++) {
        float best = -INFINITY;
        int32_t arg = -1;
        for (int64_t i = 0; i < g.kh; i++) {
          int64_t iy = oy * g.sh - g.ph + i * g.dh;
          if (iy < 0 || iy >= g.H) continue;
          for (int64_t j = 0; j < g.kw; j++) {
            int64_t ix = ox * g.sw - g.pw + j * g.dw;
            if (ix < 0 || ix >= g.W) continue;
            float v = xp[iy * g.W + ix];
            if (v > best || arg < 0 || v != v) { best = v; arg = int32_t(iy * g.W + ix); }
          }
        }
        int64_t q = (nc * g.Ho + oy) * g.Wo + ox;
        out[q] = best;
        argmax[q] = arg;
      }
  }
}

void maxpool2d_backward(const ConvGeom& g, const float* gy, const int32_t* argmax, float* gx) {
  std::memset(gx, 0, g.N * g.C * g.H * g.W * sizeof(float));
  const int64_t P = g.Ho * g.Wo;
  for (int64_t nc = 0; nc < g.N * g.C; nc++)
    for (int64_t q = 0; q < P; q++) {
      int32_t a = argmax[nc * P + q];
      if (a >= 0) gx[nc * g.H * g.W + a] += gy[nc * P + q];
    }
}

// Average pooling counts padded positions (PyTorch's count_include_pad=True default).
void avgpool2d_forward(const ConvGeom& g, const float* x, float* out) {
  const float scale = 1.f / float(g.kh * g.kw);
  for (int64_t nc = 0; nc < g.N * g.C; nc++) {
    const float* xp = x + nc * g.H * g.W;
    for (int64_t oy = 0; oy < g.Ho; oy++)
      for (int64_t ox = 0; ox < g.Wo; ox++) {
        float s = 0.f;
        for (int64_t i = 0; i < g.kh; i++) {
          int64_t iy = oy * g.sh - g.ph + i * g.dh;
          if (iy < 0 || iy >= g.H) continue;
          for (int64_t j = 0; j < g.kw; j++) {
            int64_t ix = ox * g.sw - g.pw + j * g.dw;
            if (ix >= 0 && ix < g.W) s += xp[iy * g.W + ix];
          }
        }
        out[(nc * g.Ho + oy) * g.Wo + ox] = s * scale;
      }
  }
}

void avgpool2d_backward(const ConvGeom& g, const float* gy, float* gx) {
  std::memset(gx, 0, g.N * g.C * g.H * g.W * sizeof(float));
  const float scale = 1.f / float(g.kh * g.kw);
  for (int64_t nc = 0; nc < g.N * g.C; nc++) {
    float* xp = gx + nc * g.H * g.W;
    for (int64_t oy = 0; oy < g.Ho; oy++)
      for (int64_t ox = 0; ox < g.Wo; ox++) {
        float v = gy[(nc * g.Ho + oy) * g.Wo + ox] * scale;
        for (int64_t i = 0; i < g.kh; i++) {
          int64_t iy = oy * g.sh - g.ph + i * g.dh;
          if (iy < 0 || iy >= g.H) continue;
          for (int64_t j = 0; j < g.kw; j++) {
            int64_t ix = ox * g.sw - g.pw + j * g.dw;
            if (ix >= 0 && ix < g.W) xp[iy * g.W + ix] += v;
          }
        }
      }
  }
}

}  // namespace dg

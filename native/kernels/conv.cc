// Convolution through im2col + SGEMM (1x1 stride-1 convolutions skip im2col), and 2-D pooling. NCHW throughout.
// Images are split across threads, each running a serial GEMM on its own column buffer.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>
#include "kernels.h"
#include "parallel.h"

namespace dg {

static bool is_pointwise(const ConvGeom& g) {
  return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0;
}

// col[(c*kh + i)*kw + j, oy*Wo + ox] = x[c, oy*sh - ph + i*dh, ox*sw - pw + j*dw] (0 outside the image)
static void im2col(const ConvGeom& g, const float* x, float* col) {
  const int64_t P = g.Ho * g.Wo;
  for (int64_t c = 0; c < g.C; c++)
    for (int64_t i = 0; i < g.kh; i++)
      for (int64_t j = 0; j < g.kw; j++) {
        float* row = col + ((c * g.kh + i) * g.kw + j) * P;
        for (int64_t oy = 0; oy < g.Ho; oy++) {
          int64_t iy = oy * g.sh - g.ph + i * g.dh;
          float* r = row + oy * g.Wo;
          if (iy < 0 || iy >= g.H) { std::memset(r, 0, g.Wo * sizeof(float)); continue; }
          const float* xr = x + (c * g.H + iy) * g.W;
          for (int64_t ox = 0; ox < g.Wo; ox++) {
            int64_t ix = ox * g.sw - g.pw + j * g.dw;
            r[ox] = (ix >= 0 && ix < g.W) ? xr[ix] : 0.f;
          }
        }
      }
}

// The adjoint of im2col: x[c, iy, ix] += col[...] (x must be zeroed first).
static void col2im(const ConvGeom& g, const float* col, float* x) {
  const int64_t P = g.Ho * g.Wo;
  for (int64_t c = 0; c < g.C; c++)
    for (int64_t i = 0; i < g.kh; i++)
      for (int64_t j = 0; j < g.kw; j++) {
        const float* row = col + ((c * g.kh + i) * g.kw + j) * P;
        for (int64_t oy = 0; oy < g.Ho; oy++) {
          int64_t iy = oy * g.sh - g.ph + i * g.dh;
          if (iy < 0 || iy >= g.H) continue;
          float* xr = x + (c * g.H + iy) * g.W;
          const float* r = row + oy * g.Wo;
          for (int64_t ox = 0; ox < g.Wo; ox++) {
            int64_t ix = ox * g.sw - g.pw + j * g.dw;
            if (ix >= 0 && ix < g.W) xr[ix] += r[ox];
          }
        }
      }
}

// Runs fn(n, colBuffer, gemmThreads) for every image: in parallel over images when there are enough of them,
// otherwise image by image with threads inside the GEMM.
template <class F>
static void for_images(const ConvGeom& g, int64_t colSize, F fn) {
  int nt = get_threads();
  if (g.N >= nt && nt > 1) {
#pragma omp parallel num_threads(nt)
    {
      std::vector<float> col(colSize);
      int t = omp_get_thread_num(), T = omp_get_num_threads();
      for (int64_t n = g.N * t / T; n < g.N * (t + 1) / T; n++) fn(n, col.data(), 1, t);
    }
  } else {
    std::vector<float> col(colSize);
    for (int64_t n = 0; n < g.N; n++) fn(n, col.data(), nt, 0);
  }
}

void conv2d_forward(const ConvGeom& g, const float* x, const float* w, const float* bias, float* out) {
  const int64_t K = g.C * g.kh * g.kw, P = g.Ho * g.Wo;
  const bool pw = is_pointwise(g);
  for_images(g, pw ? 0 : K * P, [&](int64_t n, float* col, int threads, int) {
    const float* xn = x + n * g.C * g.H * g.W;
    float* on = out + n * g.Cout * P;
    if (!pw) im2col(g, xn, col);
    if (bias) {
      for (int64_t o = 0; o < g.Cout; o++) std::fill(on + o * P, on + (o + 1) * P, bias[o]);
    }
    sgemm(g.Cout, P, K, 1.f, w, K, false, pw ? xn : col, P, false, bias ? 1.f : 0.f, on, P, threads);
  });
}

void conv2d_backward_input(const ConvGeom& g, const float* gy, const float* w, float* gx) {
  const int64_t K = g.C * g.kh * g.kw, P = g.Ho * g.Wo;
  const bool pw = is_pointwise(g);
  for_images(g, pw ? 0 : K * P, [&](int64_t n, float* col, int threads, int) {
    float* gxn = gx + n * g.C * g.H * g.W;
    if (pw) {
      sgemm(K, P, g.Cout, 1.f, w, K, true, gy + n * g.Cout * P, P, false, 0.f, gxn, P, threads);
    } else {
      sgemm(K, P, g.Cout, 1.f, w, K, true, gy + n * g.Cout * P, P, false, 0.f, col, P, threads);
      std::memset(gxn, 0, g.C * g.H * g.W * sizeof(float));
      col2im(g, col, gxn);
    }
  });
}

void conv2d_backward_weight(const ConvGeom& g, const float* x, const float* gy, float* gw) {
  const int64_t K = g.C * g.kh * g.kw, P = g.Ho * g.Wo;
  const bool pw = is_pointwise(g);
  int nt = std::max(1, std::min<int>(get_threads(), int(g.N)));
  std::vector<std::vector<float>> partial(nt, std::vector<float>());
  std::vector<char> used(nt, 0);
  for_images(g, pw ? 0 : K * P, [&](int64_t n, float* col, int threads, int t) {
    std::vector<float>& acc = partial[t];
    if (acc.empty()) acc.assign(g.Cout * K, 0.f);
    used[t] = 1;
    const float* xn = x + n * g.C * g.H * g.W;
    if (!pw) im2col(g, xn, col);
    sgemm(g.Cout, K, P, 1.f, gy + n * g.Cout * P, P, false, pw ? xn : col, P, true, 1.f, acc.data(), K, threads);
  });
  std::fill(gw, gw + g.Cout * K, 0.f);
  for (int t = 0; t < nt; t++)
    if (used[t])
      for (int64_t i = 0; i < g.Cout * K; i++) gw[i] += partial[t][i];
}

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

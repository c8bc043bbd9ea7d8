// N-API glue only: unwraps typed arrays and numbers and calls the kernels. TypeScript (src/backend/native) has
// validated every shape, length and index before the call; nothing here re-checks.
#include <napi.h>
#include <vector>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include "kernels.h"
#include "args.h"
#include "fused-exports.h"

namespace {

using Napi::CallbackInfo;
using Napi::Value;

using namespace dg::args;

Value SetThreads(const CallbackInfo& info) { dg::set_threads(int(N(info, 0))); return info.Env().Undefined(); }
Value GetThreads(const CallbackInfo& info) { return Napi::Number::New(info.Env(), dg::get_threads()); }

// (batch, m, n, k, A, strideA, transA, B, strideB, transB, beta, C)
Value Matmul(const CallbackInfo& info) {
  dg::sgemm_batched(N(info, 0), N(info, 1), N(info, 2), N(info, 3), F(info, 4), N(info, 5), B(info, 6), F(info, 7),
                    N(info, 8), B(info, 9), float(D(info, 10)), F(info, 11));
  return info.Env().Undefined();
}
// (x, w, bias|null, out, m, k, n)
Value Linear(const CallbackInfo& info) {
  dg::linear_forward(F(info, 0), F(info, 1), F(info, 2), F(info, 3), N(info, 4), N(info, 5), N(info, 6));
  return info.Env().Undefined();
}
// (m, n, k, A, lda, transA, B, ldb, transB, C, ldc, threads) — the raw GEMM, for benchmarks
Value Gemm(const CallbackInfo& info) {
  dg::sgemm(N(info, 0), N(info, 1), N(info, 2), 1.f, F(info, 3), N(info, 4), B(info, 5), F(info, 6), N(info, 7),
            B(info, 8), 0.f, F(info, 9), N(info, 10), int(N(info, 11)));
  return info.Env().Undefined();
}
// (op, x, out, n, alpha, beta)
Value Unary(const CallbackInfo& info) {
  dg::unary(int(N(info, 0)), F(info, 1), F(info, 2), N(info, 3), float(D(info, 4)), float(D(info, 5)));
  return info.Env().Undefined();
}
// (op, x|null, y|null, gy, out, n, alpha, beta)
Value UnaryGrad(const CallbackInfo& info) {
  dg::unary_grad(int(N(info, 0)), F(info, 1), F(info, 2), F(info, 3), F(info, 4), N(info, 5), float(D(info, 6)),
                 float(D(info, 7)));
  return info.Env().Undefined();
}
// (op, a, b, out, dims = [ndim, shape..., sa..., sb...])
Value Binary(const CallbackInfo& info) {
  auto d = Dims(info, 4);
  int nd = int(d[0]);
  dg::binary(int(N(info, 0)), F(info, 1), F(info, 2), F(info, 3), nd, d.data() + 1, d.data() + 1 + nd,
             d.data() + 1 + 2 * nd);
  return info.Env().Undefined();
}
// (cond, a, b, out, dims = [ndim, shape..., sc..., sa..., sb...])
Value Where(const CallbackInfo& info) {
  auto d = Dims(info, 4);
  int nd = int(d[0]);
  dg::where(F(info, 0), F(info, 1), F(info, 2), F(info, 3), nd, d.data() + 1, d.data() + 1 + nd, d.data() + 1 + 2 * nd,
            d.data() + 1 + 3 * nd);
  return info.Env().Undefined();
}
// (op, x, out, outer, n, inner)
Value Reduce(const CallbackInfo& info) {
  dg::reduce(int(N(info, 0)), F(info, 1), F(info, 2), N(info, 3), N(info, 4), N(info, 5));
  return info.Env().Undefined();
}
Value Softmax(const CallbackInfo& info) {
  dg::softmax(F(info, 0), F(info, 1), N(info, 2), N(info, 3), B(info, 4));
  return info.Env().Undefined();
}
Value SoftmaxGrad(const CallbackInfo& info) {
  dg::softmax_grad(F(info, 0), F(info, 1), F(info, 2), N(info, 3), N(info, 4), B(info, 5));
  return info.Env().Undefined();
}
Value CrossEntropy(const CallbackInfo& info) {
  dg::cross_entropy(F(info, 0), I32(info, 1), F(info, 2), N(info, 3), N(info, 4), N(info, 5));
  return info.Env().Undefined();
}
Value CrossEntropyGrad(const CallbackInfo& info) {
  dg::cross_entropy_grad(F(info, 0), I32(info, 1), F(info, 2), F(info, 3), N(info, 4), N(info, 5), N(info, 6));
  return info.Env().Undefined();
}
// (x, out, dims = [ndim, shape..., ss..., ds...], srcOffset, dstOffset, accumulate)
Value StridedCopy(const CallbackInfo& info) {
  auto d = Dims(info, 2);
  int nd = int(d[0]);
  dg::strided_copy(F(info, 0), F(info, 1), nd, d.data() + 1, d.data() + 1 + nd, N(info, 3), d.data() + 1 + 2 * nd,
                   N(info, 4), B(info, 5));
  return info.Env().Undefined();
}
Value IndexSelect(const CallbackInfo& info) {
  dg::index_select(F(info, 0), I32(info, 1), F(info, 2), N(info, 3), N(info, 4), N(info, 5), N(info, 6));
  return info.Env().Undefined();
}
Value IndexAdd(const CallbackInfo& info) {
  dg::index_add(F(info, 0), I32(info, 1), F(info, 2), N(info, 3), N(info, 4), N(info, 5), N(info, 6));
  return info.Env().Undefined();
}
Value Gather(const CallbackInfo& info) {
  dg::gather(F(info, 0), I32(info, 1), F(info, 2), N(info, 3), N(info, 4), N(info, 5), N(info, 6));
  return info.Env().Undefined();
}
Value ScatterAdd(const CallbackInfo& info) {
  dg::scatter_add(F(info, 0), I32(info, 1), F(info, 2), N(info, 3), N(info, 4), N(info, 5), N(info, 6));
  return info.Env().Undefined();
}
// (geom, x, w, bias|null, out)
Value Conv2d(const CallbackInfo& info) {
  dg::conv2d_forward(Geom(info, 0), F(info, 1), F(info, 2), F(info, 3), F(info, 4));
  return info.Env().Undefined();
}
Value Conv2dGradInput(const CallbackInfo& info) {
  dg::conv2d_backward_input(Geom(info, 0), F(info, 1), F(info, 2), F(info, 3));
  return info.Env().Undefined();
}
Value Conv2dGradWeight(const CallbackInfo& info) {
  dg::conv2d_backward_weight(Geom(info, 0), F(info, 1), F(info, 2), F(info, 3));
  return info.Env().Undefined();
}
Value MaxPool(const CallbackInfo& info) {
  dg::maxpool2d_forward(Geom(info, 0), F(info, 1), F(info, 2), I32(info, 3));
  return info.Env().Undefined();
}
Value MaxPoolGrad(const CallbackInfo& info) {
  dg::maxpool2d_backward(Geom(info, 0), F(info, 1), I32(info, 2), F(info, 3));
  return info.Env().Undefined();
}
Value AvgPool(const CallbackInfo& info) {
  dg::avgpool2d_forward(Geom(info, 0), F(info, 1), F(info, 2));
  return info.Env().Undefined();
}
Value AvgPoolGrad(const CallbackInfo& info) {
  dg::avgpool2d_backward(Geom(info, 0), F(info, 1), F(info, 2));
  return info.Env().Undefined();
}
// (p, g, m, v, lr, b1, b2, eps, bc1, bc2, weightDecay, decoupled)
Value Adam(const CallbackInfo& info) {
  auto p = info[0].As<Napi::Float32Array>();
  dg::adam_step(p.Data(), F(info, 1), F(info, 2), F(info, 3), int64_t(p.ElementLength()), float(D(info, 4)),
                float(D(info, 5)), float(D(info, 6)), float(D(info, 7)), float(D(info, 8)), float(D(info, 9)),
                float(D(info, 10)), B(info, 11));
  return info.Env().Undefined();
}
// (k0, k1, counter, blocks, out Uint32Array)
Value Philox(const CallbackInfo& info) {
  dg::philox_fill(uint32_t(N(info, 0)), uint32_t(N(info, 1)), uint64_t(D(info, 2)), N(info, 3),
                  info[4].As<Napi::Uint32Array>().Data());
  return info.Env().Undefined();
}
// (k0, k1, counter, n, threshold, one, out Float32Array)
Value Bernoulli(const CallbackInfo& info) {
  dg::bernoulli_fill(uint32_t(N(info, 0)), uint32_t(N(info, 1)), uint64_t(D(info, 2)), N(info, 3), D(info, 4),
                     float(D(info, 5)), F(info, 6));
  return info.Env().Undefined();
}
Value SimdWidth(const CallbackInfo& info) { return Napi::String::New(info.Env(), dg::simd_active()); }
Value SimdSupported(const CallbackInfo& info) { return Napi::String::New(info.Env(), dg::simd_supported()); }
// (name) → whether the kernels now run on that instruction set
Value SetSimd(const CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), dg::simd_select(info[0].As<Napi::String>().Utf8Value().c_str()));
}
// (geom, taps Int32Array, x, w, bias|null, out): a convolution over the listed kernel positions only
Value Conv2dTaps(const CallbackInfo& info) {
  auto t = info[1].As<Napi::Int32Array>();
  dg::conv2d_taps_forward(Geom(info, 0), t.Data(), int64_t(t.ElementLength()), F(info, 2), F(info, 3), F(info, 4),
                          F(info, 5));
  return info.Env().Undefined();
}
// (geom, taps, gy, w, gx)
Value Conv2dTapsGradInput(const CallbackInfo& info) {
  auto t = info[1].As<Napi::Int32Array>();
  dg::conv2d_taps_backward_input(Geom(info, 0), t.Data(), int64_t(t.ElementLength()), F(info, 2), F(info, 3),
                                 F(info, 4));
  return info.Env().Undefined();
}
// (geom, taps, x, gy, gw)
Value Conv2dTapsGradWeight(const CallbackInfo& info) {
  auto t = info[1].As<Napi::Int32Array>();
  dg::conv2d_taps_backward_weight(Geom(info, 0), t.Data(), int64_t(t.ElementLength()), F(info, 2), F(info, 3),
                                  F(info, 4));
  return info.Env().Undefined();
}

// ---- convolution with fused ReLUs and one-pass gradients (flags: 1 = ReLU on the input, 2 = on the output, leaky
// with a positive slope)
inline const int32_t* TapsOrNull(const CallbackInfo& info, size_t i) {
  return info[i].IsNull() ? nullptr : info[i].As<Napi::Int32Array>().Data();
}
inline int64_t TapCount(const CallbackInfo& info, size_t i) {
  return info[i].IsNull() ? 0 : int64_t(info[i].As<Napi::Int32Array>().ElementLength());
}
// (geom, taps|null, flags, slope, x, w, bias|null, out, residual|null)
Value Conv2dRelu(const CallbackInfo& info) {
  dg::conv2d_relu_forward(Geom(info, 0), TapsOrNull(info, 1), TapCount(info, 1), int(N(info, 2)), float(D(info, 3)),
                          F(info, 4), F(info, 5), F(info, 6), F(info, 7), F(info, 8));
  return info.Env().Undefined();
}
// (geom, taps|null, flags, slope, x, w, y|null, gy, gx|null, gw|null, gb|null)
Value Conv2dReluBackward(const CallbackInfo& info) {
  dg::conv2d_relu_backward(Geom(info, 0), TapsOrNull(info, 1), TapCount(info, 1), int(N(info, 2)), float(D(info, 3)),
                           F(info, 4), F(info, 5), F(info, 6), F(info, 7), F(info, 8), F(info, 9), F(info, 10));
  return info.Env().Undefined();
}
// ---- end of the fused-ReLU convolution block

Napi::Object Init(Napi::Env env, Napi::Object exports) {
#if defined(__GLIBC__)
  // Tensor storage is malloc'd by Node's ArrayBuffer allocator. glibc's default serves every block over 128 KiB
  // with a fresh mmap and unmaps it on free, so each new activation costs one page fault per 4 KiB (measured:
  // ~400 faults, ~3 ms per MADE step). Keeping blocks up to 32 MiB on the heap and not trimming it lets them be reused.
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);
#endif
  auto def = [&](const char* name, Napi::Function::Callback cb) {
    exports.Set(name, Napi::Function::New(env, cb, name));
  };
  def("setThreads", SetThreads);
  def("getThreads", GetThreads);
  def("matmul", Matmul);
  def("gemm", Gemm);
  def("linear", Linear);
  def("unary", Unary);
  def("unaryGrad", UnaryGrad);
  def("binary", Binary);
  def("where", Where);
  def("reduce", Reduce);
  def("softmax", Softmax);
  def("softmaxGrad", SoftmaxGrad);
  def("crossEntropy", CrossEntropy);
  def("crossEntropyGrad", CrossEntropyGrad);
  def("stridedCopy", StridedCopy);
  def("indexSelect", IndexSelect);
  def("indexAdd", IndexAdd);
  def("gather", Gather);
  def("scatterAdd", ScatterAdd);
  def("conv2d", Conv2d);
  def("conv2dGradInput", Conv2dGradInput);
  def("conv2dGradWeight", Conv2dGradWeight);
  def("maxPool2d", MaxPool);
  def("maxPool2dGrad", MaxPoolGrad);
  def("avgPool2d", AvgPool);
  def("avgPool2dGrad", AvgPoolGrad);
  def("adam", Adam);
  def("simd", SimdWidth);
  def("simdSupported", SimdSupported);
  def("setSimd", SetSimd);
  def("conv2dTaps", Conv2dTaps);
  def("conv2dTapsGradInput", Conv2dTapsGradInput);
  def("conv2dTapsGradWeight", Conv2dTapsGradWeight);
  def("philox", Philox);
  def("bernoulli", Bernoulli);
  def("conv2dRelu", Conv2dRelu);
  def("conv2dReluBackward", Conv2dReluBackward);
  // the fused ops' own functions (native/fused/<name>/binding.cc), each registered by its file
  for (const auto& f : dg::fused_exports()) def(f.name, f.fn);
  return exports;
}

}  // namespace

NODE_API_MODULE(deepgen_native, Init)

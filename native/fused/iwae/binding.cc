// N-API glue for the IWAE estimator's kernels: argument order matches src/models/latent/iwae-native.ts.
#include <napi.h>
#include <vector>
#include "args.h"
#include "fused-exports.h"
#include "iwae.h"

namespace {

using Napi::CallbackInfo;
using Napi::Value;
using namespace dg::args;

// (k0, k1, counter, offset, n, out Float32Array)
Value NormalFill(const CallbackInfo& info) {
  dg::normal_fill(uint32_t(N(info, 0)), uint32_t(N(info, 1)), uint64_t(D(info, 2)), N(info, 3), N(info, 4),
                  F(info, 5));
  return info.Env().Undefined();
}

// (x, mu, logsd, B, D, L, k, sizes Float64Array, weights Float32Array[], biases (Float32Array|null)[], act,
//  k0, k1, counter, rows, logp Float64Array)
Value IwaeEstimate(const CallbackInfo& info) {
  const std::vector<int64_t> sizes = Dims(info, 7);
  auto w = info[8].As<Napi::Array>(), b = info[9].As<Napi::Array>();
  std::vector<const float*> weights(w.Length()), biases(w.Length());
  for (uint32_t i = 0; i < w.Length(); i++) {
    weights[i] = w.Get(i).As<Napi::Float32Array>().Data();
    Napi::Value bi = b.Get(i);
    biases[i] = bi.IsNull() || bi.IsUndefined() ? nullptr : bi.As<Napi::Float32Array>().Data();
  }
  dg::iwae_estimate(F(info, 0), F(info, 1), F(info, 2), N(info, 3), N(info, 4), N(info, 5), N(info, 6),
                    int64_t(weights.size()), sizes.data(), weights.data(), biases.data(), int(N(info, 10)),
                    uint32_t(N(info, 11)), uint32_t(N(info, 12)), uint64_t(D(info, 13)), N(info, 14),
                    info[15].As<Napi::Float64Array>().Data());
  return info.Env().Undefined();
}

dg::FusedExport normalFill("normalFill", NormalFill);
dg::FusedExport iwaeEstimate("iwaeEstimate", IwaeEstimate);

}  // namespace

// N-API glue for NADE's fused kernels: argument order matches src/fused/nade/kernels.ts (NadeKernels).
#include <napi.h>
#include "args.h"
#include "fused-exports.h"
#include "nade.h"

namespace {

using Napi::CallbackInfo;
using Napi::Value;
using namespace dg::args;

// (x, W, c, V, b, logits, B, D, H)
Value NadeForward(const CallbackInfo& info) {
  dg::nade_forward(F(info, 0), F(info, 1), F(info, 2), F(info, 3), F(info, 4), F(info, 5), N(info, 6), N(info, 7),
                   N(info, 8));
  return info.Env().Undefined();
}
// (x, W, c, V, gl, gx|null, gW, gc, gV, gb, B, D, H)
Value NadeBackward(const CallbackInfo& info) {
  dg::nade_backward(F(info, 0), F(info, 1), F(info, 2), F(info, 3), F(info, 4), F(info, 5), F(info, 6), F(info, 7),
                    F(info, 8), F(info, 9), N(info, 10), N(info, 11), N(info, 12));
  return info.Env().Undefined();
}
// (W, c, V, b, u, observed Uint8Array|null, x, n, D, H)
Value NadeSample(const CallbackInfo& info) {
  const uint8_t* obs = info[5].IsNull() || info[5].IsUndefined() ? nullptr : info[5].As<Napi::Uint8Array>().Data();
  dg::nade_sample(F(info, 0), F(info, 1), F(info, 2), F(info, 3), F(info, 4), obs, F(info, 6), N(info, 7), N(info, 8),
                  N(info, 9));
  return info.Env().Undefined();
}

dg::FusedExport forward("nadeForward", NadeForward);
dg::FusedExport backward("nadeBackward", NadeBackward);
dg::FusedExport sample("nadeSample", NadeSample);

}  // namespace

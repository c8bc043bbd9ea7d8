// N-API glue for the fused linear layer with activation (native/kernels/gemm.cc): argument order matches
// src/fused/linear-act/kernels.ts (LinearActKernels).
#include <napi.h>
#include "args.h"
#include "fused-exports.h"

namespace {

using Napi::CallbackInfo;
using Napi::Value;
using namespace dg::args;

// (x, w, bias|null, out, m, k, n, act)
Value LinearActForward(const CallbackInfo& info) {
  dg::linear_act_forward(F(info, 0), F(info, 1), F(info, 2), F(info, 3), N(info, 4), N(info, 5), N(info, 6),
                         int(N(info, 7)));
  return info.Env().Undefined();
}
// (x, w, y, g, gx|null, gw|null, gb|null, m, k, n, act)
Value LinearActBackward(const CallbackInfo& info) {
  dg::linear_act_backward(F(info, 0), F(info, 1), F(info, 2), F(info, 3), F(info, 4), F(info, 5), F(info, 6),
                          N(info, 7), N(info, 8), N(info, 9), int(N(info, 10)));
  return info.Env().Undefined();
}

dg::FusedExport forward("linearActForward", LinearActForward);
dg::FusedExport backward("linearActBackward", LinearActBackward);

}  // namespace

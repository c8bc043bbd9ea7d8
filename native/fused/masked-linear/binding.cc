// N-API glue for the masked linear layer's kernels (native/kernels/gemm.cc): argument order matches
// src/fused/masked-linear/kernels.ts (MaskedLinearKernels).
#include <napi.h>
#include "args.h"
#include "fused-exports.h"

namespace {

using Napi::CallbackInfo;
using Napi::Value;
using namespace dg::args;

// (x, w, mask, bias|null, out, m, k, n)
Value MaskedLinearForward(const CallbackInfo& info) {
  dg::masked_linear_forward(F(info, 0), F(info, 1), F(info, 2), F(info, 3), F(info, 4), N(info, 5), N(info, 6),
                            N(info, 7));
  return info.Env().Undefined();
}
// (g, w, mask, gx, m, k, n)
Value MaskedLinearGradInput(const CallbackInfo& info) {
  dg::masked_linear_grad_input(F(info, 0), F(info, 1), F(info, 2), F(info, 3), N(info, 4), N(info, 5), N(info, 6));
  return info.Env().Undefined();
}
// (g, x, mask, gw, m, k, n)
Value MaskedLinearGradWeight(const CallbackInfo& info) {
  dg::masked_linear_grad_weight(F(info, 0), F(info, 1), F(info, 2), F(info, 3), N(info, 4), N(info, 5), N(info, 6));
  return info.Env().Undefined();
}

dg::FusedExport forward("maskedLinearForward", MaskedLinearForward);
dg::FusedExport gradInput("maskedLinearGradInput", MaskedLinearGradInput);
dg::FusedExport gradWeight("maskedLinearGradWeight", MaskedLinearGradWeight);

}  // namespace

// N-API glue for batch normalisation's fused kernels: argument order matches src/fused/batch-norm/kernels.ts.
#include <napi.h>
#include "args.h"
#include "batch-norm.h"
#include "fused-exports.h"

namespace {

using Napi::CallbackInfo;
using Napi::Value;
using namespace dg::args;

// (x, w|null, b|null, y, mean, var, N, C, S, eps, act, slope)
Value BatchNormForward(const CallbackInfo& info) {
  dg::batch_norm_forward(F(info, 0), F(info, 1), F(info, 2), F(info, 3), F(info, 4), F(info, 5), N(info, 6),
                         N(info, 7), N(info, 8), float(D(info, 9)), int(N(info, 10)), float(D(info, 11)));
  return info.Env().Undefined();
}
// (x, w|null, mean, var, y|null, gy, gx|null, gw|null, gb|null, N, C, S, eps, act, slope)
Value BatchNormBackward(const CallbackInfo& info) {
  dg::batch_norm_backward(F(info, 0), F(info, 1), F(info, 2), F(info, 3), F(info, 4), F(info, 5), F(info, 6),
                          F(info, 7), F(info, 8), N(info, 9), N(info, 10), N(info, 11), float(D(info, 12)),
                          int(N(info, 13)), float(D(info, 14)));
  return info.Env().Undefined();
}

dg::FusedExport forward("batchNormForward", BatchNormForward);
dg::FusedExport backward("batchNormBackward", BatchNormBackward);

}  // namespace

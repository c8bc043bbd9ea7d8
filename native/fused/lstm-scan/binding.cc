// N-API glue for the fused LSTM recurrence: argument order matches src/fused/lstm-scan/kernels.ts.
#include <napi.h>
#include "args.h"
#include "fused-exports.h"
#include "lstm-scan.h"

namespace {

using Napi::CallbackInfo;
using Napi::Value;
using namespace dg::args;

// (gx, W, offsets Int32Array, hs, acts, cs, T, N, S, H, K, layout)
Value LstmScanForward(const CallbackInfo& info) {
  dg::lstm_scan_forward(F(info, 0), F(info, 1), I32(info, 2), F(info, 3), F(info, 4), F(info, 5), N(info, 6),
                        N(info, 7), N(info, 8), N(info, 9), N(info, 10), int(N(info, 11)));
  return info.Env().Undefined();
}
// (gy, W, offsets Int32Array, hs, acts, cs, dgx, dW, T, N, S, H, K, layout)
Value LstmScanBackward(const CallbackInfo& info) {
  dg::lstm_scan_backward(F(info, 0), F(info, 1), I32(info, 2), F(info, 3), F(info, 4), F(info, 5), F(info, 6),
                         F(info, 7), N(info, 8), N(info, 9), N(info, 10), N(info, 11), N(info, 12),
                         int(N(info, 13)));
  return info.Env().Undefined();
}

dg::FusedExport forward("lstmScanForward", LstmScanForward);
dg::FusedExport backward("lstmScanBackward", LstmScanBackward);

}  // namespace

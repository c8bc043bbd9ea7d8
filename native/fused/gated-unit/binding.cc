// N-API glue for the gated unit's fused kernels: argument order matches src/fused/gated-unit/kernels.ts.
#include <napi.h>
#include "args.h"
#include "fused-exports.h"
#include "gated-unit.h"

namespace {

using Napi::CallbackInfo;
using Napi::Value;
using namespace dg::args;

// (x, y|null, out, R, M)
Value GatedUnitForward(const CallbackInfo& info) {
  dg::gated_unit_forward(F(info, 0), F(info, 1), F(info, 2), N(info, 3), N(info, 4));
  return info.Env().Undefined();
}
// (x, y|null, g, gz, R, M)
Value GatedUnitBackward(const CallbackInfo& info) {
  dg::gated_unit_backward(F(info, 0), F(info, 1), F(info, 2), F(info, 3), N(info, 4), N(info, 5));
  return info.Env().Undefined();
}

dg::FusedExport forward("gatedUnitForward", GatedUnitForward);
dg::FusedExport backward("gatedUnitBackward", GatedUnitBackward);

}  // namespace

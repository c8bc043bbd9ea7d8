// Unwrapping N-API arguments for the kernel calls (shared by addon.cc and the fused ops' bindings). TypeScript has
// validated every argument; nothing here re-checks.
#pragma once
#include <napi.h>
#include <cstdint>
#include <vector>
#include "kernels.h"

namespace dg::args {

using Napi::CallbackInfo;

inline float* F(const CallbackInfo& info, size_t i) {
  if (info[i].IsNull() || info[i].IsUndefined()) return nullptr;
  return info[i].As<Napi::Float32Array>().Data();
}
inline int32_t* I32(const CallbackInfo& info, size_t i) { return info[i].As<Napi::Int32Array>().Data(); }
inline int64_t N(const CallbackInfo& info, size_t i) { return int64_t(info[i].As<Napi::Number>().DoubleValue()); }
inline double D(const CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().DoubleValue(); }
inline bool B(const CallbackInfo& info, size_t i) { return info[i].ToBoolean().Value(); }
// Shapes and strides arrive as one Float64Array; exact for every integer below 2^53.
inline std::vector<int64_t> Dims(const CallbackInfo& info, size_t i) {
  auto a = info[i].As<Napi::Float64Array>();
  std::vector<int64_t> v(a.ElementLength());
  for (size_t k = 0; k < v.size(); k++) v[k] = int64_t(a[k]);
  return v;
}
inline dg::ConvGeom Geom(const CallbackInfo& info, size_t i) {
  auto g = Dims(info, i);
  return dg::ConvGeom{g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13], g[14]};
}

}  // namespace dg::args

// The functions the fused ops add to the addon. Each native/fused/<name>/binding.cc declares its functions with
// `static dg::FusedExport x("name", Fn);` at file scope; addon.cc exports every entry. Adding a fused op's native
// kernels therefore touches no shared file (binding.gyp compiles every .cc under native/fused/).
#pragma once
#include <napi.h>
#include <vector>

namespace dg {

struct FusedFunction {
  const char* name;
  Napi::Function::Callback fn;
};

// one list for the whole addon (a function-local static, so registration order between files does not matter)
inline std::vector<FusedFunction>& fused_exports() {
  static std::vector<FusedFunction> list;
  return list;
}

struct FusedExport {
  FusedExport(const char* name, Napi::Function::Callback fn) { fused_exports().push_back({name, fn}); }
};

}  // namespace dg

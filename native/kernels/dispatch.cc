// Run-time choice of instruction set. Each kernel of isa-kernels.h exists once per instruction set built (see
// isa.h); this file holds one table of function pointers per set, picks the best the CPU supports at load time
// (__builtin_cpu_supports, which also checks that the OS saves the wider registers), and defines the public dg::
// entry points of kernels.h as calls through the active table. Built without any instruction-set flags.
#include <cstring>
#include <string>
#include <type_traits>
#include "isa-kernels.h"
#include "kernels.h"
// fused ops whose kernels are built per instruction set list them in isa-kernels.h; their declarations:
#include "../fused/batch-norm/batch-norm.h"
#include "../fused/gated-unit/gated-unit.h"
#include "../fused/lstm-scan/lstm-scan.h"
#include "../fused/nade/nade.h"
#include "../fused/iwae/iwae.h"

#if defined(__x86_64__) || defined(_M_X64)
#define DG_X86_ISAS 1
#endif

namespace dg {

#define DG_DECLARE(ret, name, params, args) ret name params;
namespace isa_portable { DG_ISA_KERNELS(DG_DECLARE) }
#if DG_X86_ISAS
namespace isa_avx2 { DG_ISA_KERNELS(DG_DECLARE) }
namespace isa_avx512 { DG_ISA_KERNELS(DG_DECLARE) }
#endif
#undef DG_DECLARE

namespace {

struct KernelTable {
  const char* name;
#define DG_FIELD(ret, name, params, args) ret(*name) params;
  DG_ISA_KERNELS(DG_FIELD)
#undef DG_FIELD
};

#define DG_ENTRY_PORTABLE(ret, name, params, args) &isa_portable::name,
const KernelTable kPortable = {"portable", DG_ISA_KERNELS(DG_ENTRY_PORTABLE)};
#if DG_X86_ISAS
#define DG_ENTRY_AVX2(ret, name, params, args) &isa_avx2::name,
#define DG_ENTRY_AVX512(ret, name, params, args) &isa_avx512::name,
const KernelTable kAvx2 = {"avx2", DG_ISA_KERNELS(DG_ENTRY_AVX2)};
const KernelTable kAvx512 = {"avx512", DG_ISA_KERNELS(DG_ENTRY_AVX512)};
// Best first. The flags each set is compiled with (binding.gyp) must be covered by its check here.
const KernelTable* const kTables[] = {&kAvx512, &kAvx2, &kPortable};
#else
const KernelTable* const kTables[] = {&kPortable};
#endif

bool cpu_supports(const KernelTable* t) {
#if DG_X86_ISAS
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (t == &kAvx2) return avx2;
  if (t == &kAvx512) return avx2 && __builtin_cpu_supports("avx512f");
#endif
  return t == &kPortable;
}

const KernelTable* best_table() {
  for (const KernelTable* t : kTables)
    if (cpu_supports(t)) return t;
  return &kPortable;
}

const KernelTable* g_active = best_table();

}  // namespace

const char* simd_active() { return g_active->name; }

const char* simd_supported() {
  static std::string list = [] {
    std::string s;
    for (const KernelTable* t : kTables)
      if (cpu_supports(t)) s += (s.empty() ? "" : " ") + std::string(t->name);
    return s;
  }();
  return list.c_str();
}

bool simd_select(const char* name) {
  for (const KernelTable* t : kTables)
    if (std::strcmp(t->name, name) == 0 && cpu_supports(t)) {
      g_active = t;
      return true;
    }
  return false;
}

// The public entry points. Taking the address fails to compile if kernels.h declares a different signature (the
// definition below would then be a second overload).
#define DG_FORWARD(ret, name, params, args)                                                           \
  ret name params { return g_active->name args; }                                                     \
  static_assert(std::is_same_v<decltype(&name), decltype(&isa_portable::name)>, #name " signature");
DG_ISA_KERNELS(DG_FORWARD)
#undef DG_FORWARD

void conv2d_forward(const ConvGeom& g, const float* x, const float* w, const float* bias, float* out) {
  g_active->conv2d_taps_forward(g, nullptr, 0, x, w, bias, out);
}
void conv2d_backward_input(const ConvGeom& g, const float* gy, const float* w, float* gx) {
  g_active->conv2d_taps_backward_input(g, nullptr, 0, gy, w, gx);
}
void conv2d_backward_weight(const ConvGeom& g, const float* x, const float* gy, float* gw) {
  g_active->conv2d_taps_backward_weight(g, nullptr, 0, x, gy, gw);
}

}  // namespace dg

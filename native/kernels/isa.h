// Kernel files built once per instruction set include this first. binding.gyp compiles each of them three times
// (portable, AVX2+FMA, AVX-512) with -DDG_ISA_NS=isa_<name>, so every copy lives in its own namespace dg::isa_<name>
// and dispatch.cc picks one table of them at load time. Inside that namespace an unqualified call (conv → sgemm)
// reaches the same instruction set's kernel.
#pragma once
#ifndef DG_ISA_NS
#define DG_ISA_NS isa_portable
#endif
#include "isa-kernels.h"
#include "kernels.h"

namespace dg {
namespace DG_ISA_NS {
#define DG_DECLARE(ret, name, params, args) ret name params;
DG_ISA_KERNELS(DG_DECLARE)
#undef DG_DECLARE
}  // namespace DG_ISA_NS
}  // namespace dg

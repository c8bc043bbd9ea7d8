// The live kernel taps of a convolution, shared by its gathers (conv-gather.h, conv-permuted.h) and conv.cc.
#pragma once
#include <cstdint>
#include <vector>
#include "isa.h"

namespace dg {
namespace DG_ISA_NS {
namespace {

// The live taps of a convolution: the given list, or every position of the kernel.
struct Taps {
  std::vector<int32_t> list;
  bool all;
  Taps(const ConvGeom& g, const int32_t* taps, int64_t n) : all(taps == nullptr) {
    if (all) {
      list.resize(g.kh * g.kw);
      for (int32_t t = 0; t < int32_t(list.size()); t++) list[t] = t;
    } else {
      list.assign(taps, taps + n);
    }
  }
  int64_t size() const { return int64_t(list.size()); }
};

}  // namespace
}  // namespace DG_ISA_NS
}  // namespace dg

// The GEMM micro-tile's shape, shared by gemm.cc and the convolutions that run their own tiles (conv-nhwc.h): MR
// rows of C by NV vectors. AVX2 has 16 vector registers, so 6 rows there (12 accumulators, 2 of B, a broadcast).
#pragma once
#include "isa.h"
#include "simd.h"

namespace dg {
namespace DG_ISA_NS {

#if defined(DG_MR)
constexpr int MR = DG_MR;
#elif defined(__AVX512F__)
constexpr int MR = 8;
#elif defined(__AVX__)
constexpr int MR = 6;
#else
constexpr int MR = 8;
#endif
constexpr int NV = 2;        // vectors per micro-tile row
constexpr int NR = NV * VW;  // micro-tile columns

}  // namespace DG_ISA_NS
}  // namespace dg

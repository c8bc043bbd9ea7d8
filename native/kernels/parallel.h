// Work splitting over the thread pool (OpenMP). Small work stays on the calling thread: a parallel region costs
// a few microseconds, which is more than a small elementwise kernel takes.
#pragma once
#include <cstdint>
#include <omp.h>
#include "kernels.h"

namespace dg {

constexpr int64_t kParallelGrain = 1 << 15;  // elements below which elementwise work stays serial

// Calls fn(begin, end) over [0, n) split in contiguous chunks, one per thread.
template <class F>
inline void parallel_for(int64_t n, int64_t grain, F fn) {
  int nt = get_threads();
  if (nt <= 1 || n < 2 * grain) { fn(int64_t(0), n); return; }
  int64_t chunks = n / grain;
  if (chunks < nt) nt = int(chunks);
#pragma omp parallel num_threads(nt)
  {
    int t = omp_get_thread_num(), T = omp_get_num_threads();
    int64_t b = n * t / T, e = n * (t + 1) / T;
    fn(b, e);
  }
}

}  // namespace dg

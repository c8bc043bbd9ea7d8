#include "parallel.h"
#include <cstdlib>
#include <thread>

namespace dg {

static int g_threads = [] {
  const char* s = std::getenv("DEEPGEN_THREADS");
  int n = s ? std::atoi(s) : 0;
  if (n <= 0) n = int(std::thread::hardware_concurrency());
  return n > 0 ? n : 1;
}();

void set_threads(int n) { g_threads = n > 0 ? n : 1; }
int get_threads() { return g_threads; }

}  // namespace dg

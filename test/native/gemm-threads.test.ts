/**
 * A product's threads split C into a grid of row and column ranges (native/kernels/gemm.cc `sgemm`), as many as
 * the work allows: one below 2·10⁷ flops, then one per 10⁷ up to the thread count. Whatever the split, every entry
 * of C is summed the same way, so the product must be bit-identical at any thread count, including counts that do
 * not divide the work evenly (3, 7) and more threads than the work is given (16). Every instruction-set path, both
 * storage orders of both operands.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator, getBackend, nativeAvailable, setBackend, type Tensor } from "../../src/index.js";
import { getNumThreads, setNumThreads } from "../../src/backend/registry.js";
import { onSimd, simdPaths } from "../backend/simd-paths.js";
import { randomTensor } from "../helpers.js";

const skip = nativeAvailable() ? false : "native addon not built (run `npm run build:native`)";
const R = (g: Generator, shape: number[]): Tensor => randomTensor(g, shape, { dtype: "float32", grad: false });

// [m, k, n]: a MADE layer (7.8·10⁷ flops: 7 threads at most), a wide one with few rows, one with ragged panels
const shapes: [number, number, number][] = [
  [100, 784, 500],
  [37, 300, 2100],
  [513, 257, 131],
];

for (const isa of simdPaths()) {
  test(`products are bit-identical on 1, 2, 3, 7 and 16 threads (${isa})`, { skip }, () =>
    onSimd(isa, () => {
      const prevBackend = getBackend().name,
        prevThreads = getNumThreads();
      setBackend("native");
      try {
        const g = new Generator(23);
        for (const [m, k, n] of shapes) {
          const a = R(g, [m, k]),
            b = R(g, [k, n]);
          const at = a.T.contiguous().T, // the same values read through a transposed view
            bt = b.T.contiguous().T;
          const products = (): number[][] =>
            [a.matmul(b), at.matmul(b), a.matmul(bt), at.matmul(bt)].map((c) => c.toArray());
          setNumThreads(1);
          const want = products();
          assert.ok(
            want[0]!.some((v) => Math.abs(v) > 1),
            "the products are not trivially small",
          );
          for (const t of [2, 3, 7, 16]) {
            setNumThreads(t);
            const got = products();
            got.forEach((c, i) => assert.deepEqual(c, want[i], `${m}×${k}·${k}×${n}, variant ${i}, ${t} threads`));
          }
        }
      } finally {
        setNumThreads(prevThreads);
        setBackend(prevBackend);
      }
    }),
  );
}

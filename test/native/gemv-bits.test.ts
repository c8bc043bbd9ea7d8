/**
 * A product with one row (or one column) of C runs outside the GEMM micro-kernel (native/kernels/gemm.cc `gemv`),
 * yet each of its values must be bit-identical to the same row of a larger product: threads and the IWAE kernel's
 * row blocks split products into pieces, and their results may not depend on the split. Every instruction-set path,
 * every storage order of both operands, k above one KC block.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator, concat, getBackend, nativeAvailable, setBackend, type Tensor } from "../../src/index.js";
import { onSimd, simdPaths } from "../backend/simd-paths.js";
import { randomTensor } from "../helpers.js";

const skip = nativeAvailable() ? false : "native addon not built (run `npm run build:native`)";
const R = (g: Generator, shape: number[]): Tensor => randomTensor(g, shape, { dtype: "float32", grad: false });

for (const isa of simdPaths()) {
  test(`one-row and one-column products equal the rows/columns of larger ones bit for bit (${isa})`, { skip }, () =>
    onSimd(isa, () => {
      const prev = getBackend().name;
      setBackend("native");
      try {
        const g = new Generator(11);
        for (const k of [37, 1300]) {
          const rows = R(g, [3, k]),
            b = R(g, [k, 45]),
            bt = R(g, [45, k]);
          const row = rows.narrow(0, 0, 1).contiguous();
          // C = one row: op(B) row-major (row updates) and transposed (dot products); A read with a stride
          assert.deepEqual(row.matmul(b).toArray(), rows.matmul(b).narrow(0, 0, 1).toArray(), `1×${k} · B`);
          assert.deepEqual(row.matmul(bt.T).toArray(), rows.matmul(bt.T).narrow(0, 0, 1).toArray(), `1×${k} · Bᵀ`);
          const colsT = rows.T.contiguous(); // [k, 3]: read through transposed views, as op(A) with tA
          const rowT = colsT.narrow(1, 0, 1).contiguous();
          const want = colsT.T.matmul(b).narrow(0, 0, 1).toArray();
          assert.deepEqual(rowT.T.matmul(b).toArray(), want, `Aᵀ 1×${k} · B`);
          // C = one column: A row-major (dot products) and transposed (row updates)
          const a = R(g, [45, k]),
            at = R(g, [k, 45]);
          const col = rows.T.narrow(1, 0, 1).contiguous(); // [k, 1]
          const wide = concat([col, R(g, [k, 2])], 1); // [k, 3], column 0 = col
          assert.deepEqual(a.matmul(col).toArray(), a.matmul(wide).narrow(1, 0, 1).toArray(), `A · ${k}×1`);
          assert.deepEqual(at.T.matmul(col).toArray(), at.T.matmul(wide).narrow(1, 0, 1).toArray(), `Aᵀ · ${k}×1`);
        }
      } finally {
        setBackend(prev);
      }
    }),
  );
}

/** Every op's gradient against central differences, float64 on the reference backend. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator } from "../../src/index.js";
import { gradRules } from "../../src/autograd/gradient-table.js";
import { opCases } from "../cases.js";
import { gradCheck, opsInGraph } from "../helpers.js";

const covered = new Set<string>();

for (const c of opCases) {
  test(`gradient check: ${c.name} (float64, central differences, atol 1e-6 + rtol 1e-5)`, () => {
    const gen = new Generator(1234);
    const xs = c.inputs(gen, "float64");
    opsInGraph(c.fn(...xs), covered);
    gradCheck(c.name, c.fn, xs, gen);
  });
}

test("every op in the gradient table has a gradient check", () => {
  const missing = Object.keys(gradRules).filter((op) => !covered.has(op));
  assert.deepEqual(missing, [], `ops without a gradient check: ${missing.join(", ")}`);
});

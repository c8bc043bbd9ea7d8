/** Bad input is rejected at the TypeScript boundary with errors that name the op and the shapes. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { tensor, zeros, randn, conv2d, concat, crossEntropy, matmul, Tensor } from "../../src/index.js";

test("shape mismatches throw TypeError naming op and shapes", () => {
  assert.throws(() => zeros([100, 784]).matmul(zeros([500, 784])), {
    name: "TypeError",
    message: "matmul: [100,784] × [500,784]: inner dimensions 784 and 500 differ",
  });
  assert.throws(() => zeros([3, 4]).add(zeros([5])), {
    name: "TypeError",
    message: /add: shapes \[3,4\] and \[5\] cannot be broadcast/,
  });
  assert.throws(() => conv2d(zeros([1, 3, 8, 8]), zeros([4, 2, 3, 3])), {
    name: "TypeError",
    message: /conv2d: input \[1,3,8,8\] has 3 channels but weight \[4,2,3,3\] expects 2/,
  });
  assert.throws(() => concat([zeros([2, 3]), zeros([3, 3])], 1), {
    name: "TypeError",
    message: /concat: shapes \[2,3\], \[3,3\] differ outside axis 1/,
  });
  assert.throws(() => matmul(zeros([3]), zeros([3, 2])), {
    name: "TypeError",
    message: /matmul: \[3\] × \[3,2\]: both operands need at least 2 dims/,
  });
  assert.throws(() => zeros([2, 2]).add(zeros([2, 2], { dtype: "float64" })), {
    name: "TypeError",
    message: /add: dtypes differ/,
  });
});

test("out-of-range values throw RangeError before any kernel runs", () => {
  assert.throws(() => zeros([2, 3]).reshape(4, 2), {
    name: "RangeError",
    message: /reshape: \[2,3\] \(6 elements\) cannot become \[4,2\]/,
  });
  assert.throws(() => zeros([2, 3]).sum(2), { name: "RangeError", message: /sum: axis 2 is out of range/ });
  assert.throws(() => zeros([5, 3]).indexSelect(0, [0, 5]), {
    name: "RangeError",
    message: /indexSelect: index 5 at position 1 is out of range \[0, 5\)/,
  });
  assert.throws(() => zeros([2, 3]).gather(1, tensor([[0], [3]])), { name: "RangeError", message: /gather: index 3/ });
  assert.throws(() => crossEntropy(zeros([2, 4]), [1, 4]), {
    name: "RangeError",
    message: /crossEntropy: target 4 at position 1 is not a class in \[0, 4\)/,
  });
  assert.throws(() => crossEntropy(zeros([2, 4]), [1]), {
    name: "TypeError",
    message: /crossEntropy: 1 targets for logits \[2,4\]/,
  });
  assert.throws(() => zeros([2, -1]), { name: "RangeError", message: /invalid shape/ });
  assert.throws(() => tensor([1, 2, 3], [2, 2]), { name: "RangeError", message: /3 values do not fill shape \[2,2\]/ });
  assert.throws(() => conv2d(zeros([1, 1, 2, 2]), zeros([1, 1, 3, 3])), {
    name: "RangeError",
    message: /smaller than the 3×3 kernel/,
  });
  assert.throws(() => zeros([3]).item(), { name: "RangeError", message: /item: tensor of shape \[3\] has 3 elements/ });
  assert.throws(() => zeros([2]).clamp(1, 0), RangeError);
});

test("non-tensor operands are rejected with TypeError", () => {
  assert.throws(() => zeros([2]).add("3" as unknown as Tensor), {
    name: "TypeError",
    message: /add: operand must be a Tensor, got string/,
  });
  assert.throws(() => matmul(null as unknown as Tensor, randn([2, 2])), {
    name: "TypeError",
    message: /matmul: left operand must be a Tensor, got null/,
  });
});

test("tensor(values, { dtype, shape }): options in the second position, and clear errors for other arguments", () => {
  const a = tensor([1.5, 2, 3, 4, 5, 6], { dtype: "float64", shape: [2, 3] });
  assert.equal(a.dtype, "float64");
  assert.deepEqual(a.shape, [2, 3]);
  assert.deepEqual(a.toArray(), [1.5, 2, 3, 4, 5, 6]);
  // nested values keep their inferred shape; the flat form without a shape is 1-d
  const b = tensor(
    [
      [1, 2],
      [3, 4],
    ],
    { dtype: "float64", requiresGrad: true },
  );
  assert.deepEqual([b.shape, b.dtype, b.requiresGrad], [[2, 2], "float64", true]);
  assert.deepEqual(tensor(Float32Array.of(0.25, 7), { dtype: "float64" }).shape, [2]);
  // the positional form is unchanged
  assert.deepEqual(tensor([1, 2, 3, 4], [2, 2], { dtype: "float64" }).toArray(), [1, 2, 3, 4]);
  assert.equal(tensor([1, 2], { shape: [2] }).dtype, "float32");
  assert.throws(() => tensor([1, 2, 3], { shape: [2, 2] }), { name: "RangeError", message: /3 values do not fill/ });
  assert.throws(() => tensor([1, 2], { shape: [2] } as unknown as number[], { dtype: "float64" }), {
    name: "TypeError",
    message: /tensor: options given twice/,
  });
  assert.throws(() => tensor([1, 2], 2 as unknown as number[]), {
    name: "TypeError",
    message: new RegExp(
      /tensor: the second argument must be a shape \(an array of sizes\) /.source +
        /or options \{ dtype, shape, requiresGrad \}, got number/.source,
    ),
  });
  assert.throws(() => tensor([1, 2], { dtype: "int32" as "float32" }), {
    name: "TypeError",
    message: /tensor: dtype "int32" is not supported/,
  });
});

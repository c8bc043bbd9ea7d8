/**
 * The Tensor as callers use it: the data-only class (tensor-data.ts) with the method API the ops layer attaches
 * (src/ops/methods.ts). Importing Tensor from here guarantees `a.add(b)` works; code inside the engine, below the
 * methods, imports tensor-data.ts instead (importing this file there would close an import circle).
 */
import "../ops/methods.js";

export { Tensor, isTensor, type GradNode } from "./tensor-data.js";

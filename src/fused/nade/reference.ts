/** NADE's recurrence as plain loops (float64 arithmetic): the oracle for the fused native kernels. */
import { sigmoid } from "../../backend/reference/scalar.js";
import type { NadeKernels } from "./kernels.js";

const forward: NadeKernels["forward"] = (x, W, c, V, b, logits, B, D, H) => {
  const a = new Float64Array(H);
  for (let r = 0; r < B; r++) {
    for (let k = 0; k < H; k++) a[k] = c[k]!;
    for (let i = 0; i < D; i++) {
      let s = b[i]!;
      for (let k = 0; k < H; k++) s += sigmoid(a[k]!) * V[i * H + k]!;
      logits[r * D + i] = s;
      const xv = x[r * D + i]!;
      if (xv !== 0) for (let k = 0; k < H; k++) a[k]! += xv * W[i * H + k]!;
    }
  }
};

const backward: NadeKernels["backward"] = (x, W, c, V, gl, gx, gW, gc, gV, gb, B, D, H) => {
  gW.fill(0);
  gV.fill(0);
  gc.fill(0);
  gb.fill(0);
  const a = new Float64Array(H),
    s = new Float64Array(H);
  for (let r = 0; r < B; r++) {
    // the states a_i for every position, kept (the oracle favours clarity over memory)
    const states: Float64Array[] = [];
    for (let k = 0; k < H; k++) a[k] = c[k]!;
    for (let i = 0; i < D; i++) {
      states.push(Float64Array.from(a));
      const xv = x[r * D + i]!;
      if (xv !== 0) for (let k = 0; k < H; k++) a[k]! += xv * W[i * H + k]!;
    }
    s.fill(0);
    for (let i = D - 1; i >= 0; i--) {
      const ai = states[i]!,
        g = gl[r * D + i]!,
        xv = x[r * D + i]!;
      gb[i]! += g;
      if (gx) {
        let d = 0;
        for (let k = 0; k < H; k++) d += W[i * H + k]! * s[k]!;
        gx[r * D + i] = d;
      }
      for (let k = 0; k < H; k++) {
        const h = sigmoid(ai[k]!);
        if (xv !== 0) gW[i * H + k]! += xv * s[k]!;
        gV[i * H + k]! += g * h;
        s[k]! += g * V[i * H + k]! * h * (1 - h);
      }
    }
    for (let k = 0; k < H; k++) gc[k]! += s[k]!;
  }
};

const sample: NadeKernels["sample"] = (W, c, V, b, u, observed, x, n, D, H) => {
  const a = new Float64Array(H);
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < H; k++) a[k] = c[k]!;
    for (let i = 0; i < D; i++) {
      if (!observed?.[i]) {
        let s = b[i]!;
        for (let k = 0; k < H; k++) s += sigmoid(a[k]!) * V[i * H + k]!;
        x[r * D + i] = u[r * D + i]! < sigmoid(s) ? 1 : 0;
      }
      const xv = x[r * D + i]!;
      if (xv !== 0) for (let k = 0; k < H; k++) a[k]! += xv * W[i * H + k]!;
    }
  }
};

export const referenceNade: NadeKernels = { forward, backward, sample };

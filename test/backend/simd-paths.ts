/**
 * Runs native tests on every instruction-set path this CPU supports (avx512, avx2, portable on a current x86-64),
 * so a kernel broken on one path fails even when the machine would normally pick another.
 */
import { nativeAddon } from "../../src/backend/registry.js";
import { activeSimd, selectSimd, supportedSimd } from "../../src/backend/native/simd.js";

/** The supported paths, best first; ["native-missing"] without the addon (the tests using it skip then). */
export function simdPaths(): string[] {
  const addon = nativeAddon();
  return addon ? supportedSimd(addon) : ["native-missing"];
}

/** Runs fn with the kernels switched to `path`, then restores the previous path. */
export function onSimd<T>(path: string, fn: () => T): T {
  const addon = nativeAddon();
  if (!addon) return fn();
  const prev = activeSimd(addon);
  selectSimd(addon, path);
  try {
    return fn();
  } finally {
    selectSimd(addon, prev);
  }
}

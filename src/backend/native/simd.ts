/**
 * Instruction-set paths of the native kernels. One build holds a portable, an AVX2+FMA and an AVX-512 copy of every
 * vectorized kernel (x86-64; elsewhere only the portable one); the addon starts on the best the CPU supports.
 * DEEPGEN_SIMD=avx512|avx2|portable forces one, and a path the CPU lacks is refused with an error.
 */
import type { NativeAddon } from "./index.js";

export const SIMD_PATHS = ["avx512", "avx2", "portable"] as const;
export type SimdPath = (typeof SIMD_PATHS)[number];

interface SimdAddon {
  simd(): string;
  simdSupported(): string;
  setSimd(name: string): boolean;
}
const simdOf = (addon: NativeAddon): SimdAddon => addon as unknown as SimdAddon;

/** The paths this CPU can run, best first (always ends with "portable"). */
export function supportedSimd(addon: NativeAddon): SimdPath[] {
  return simdOf(addon).simdSupported().split(" ") as SimdPath[];
}

/** The path the kernels run on now. */
export function activeSimd(addon: NativeAddon): SimdPath {
  return simdOf(addon).simd() as SimdPath;
}

/** Switches every native kernel to `name`; throws if it is not a path or this CPU cannot run it. */
export function selectSimd(addon: NativeAddon, name: string, source = "simd"): void {
  if (!(SIMD_PATHS as readonly string[]).includes(name))
    throw new RangeError(`${source}="${name}" is not an instruction-set path; use one of ${SIMD_PATHS.join(", ")}`);
  if (!simdOf(addon).setSimd(name)) {
    throw new Error(
      `${source}=${name}: this CPU cannot run the ${name} kernels; it supports ${supportedSimd(addon).join(", ")}`,
    );
  }
}

/** Applies DEEPGEN_SIMD, if set, to a freshly loaded addon. */
export function applySimdEnv(addon: NativeAddon, value = process.env.DEEPGEN_SIMD): void {
  if (value !== undefined && value !== "") selectSimd(addon, value, "DEEPGEN_SIMD");
}

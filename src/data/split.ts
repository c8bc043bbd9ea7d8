/** A dataset split: the names and the in-memory form every loader returns (shared by datasets.ts and download.ts). */
export type SplitName = "train" | "valid" | "test";
export type Binarization = "fixed" | "dynamic" | "none";

export interface Split {
  readonly name: SplitName;
  readonly n: number;
  /** values per image */
  readonly dim: number;
  /** [channels, height, width] */
  readonly shape: [number, number, number];
  /** n × dim values in [0, 1] (0/1 for binary data) */
  readonly values: Float32Array;
  readonly labels: Int32Array | null;
}

export { DATASETS, datasetInfo, loadDataset, resolveDataDir, binarizeInPlace, mnistDataDir } from "./datasets.js";
export type { Dataset, Split, SplitName, Binarization, DatasetInfo } from "./datasets.js";
export { batches, batchCount } from "./loader.js";
export type { Batch, BatchOptions } from "./loader.js";
export { parseIdx, parseNpy, encodeNpy, parseAmat, DataFormatError } from "./formats.js";
export { writeImageGrid, readPngFolder } from "./png.js";
export { BINARIZED_MNIST_FILES, findBinarizedMnist, ensureBinarizedMnist } from "./download.js";

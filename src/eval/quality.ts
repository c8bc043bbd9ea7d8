/**
 * Sample-quality evaluation: the MNIST classifier and the metrics computed in its feature space.
 *
 *   const clf = ensureClassifier({}, onProgress);               // cached, or trained once (minutes)
 *   const ref = mnistReference({ binarized: true, n: 10000 });  // what the samples are compared with
 *   const q = sampleQuality(model.sample(10000, g), ref, clf);  // FID, classifier score, precision/recall, …
 *   const floor = qualityFloor(ref, clf, 10000);                // the same for real training images
 */
export * from "./classifier/index.js";
export { fid, fitGaussian, frechetDistance, traceSqrtProduct, type GaussianFit } from "./fid.js";
export {
  classifierScore,
  classifierScoreSplits,
  labelHistogram,
  totalVariation,
  type LabelHistogram,
} from "./classifier-score.js";
export { knnRadii, manifoldCoverage, precisionRecall, type PrecisionRecall } from "./precision-recall.js";
export { parzenLogLikelihoods, parzenWindow, PARZEN_SIGMAS, type ParzenResult } from "./parzen.js";
export { forEachDistanceBlock, type Points } from "./distances.js";
export { fromTensor, matrix, meanCovariance, symmetricEigen, sqrtPsd, type Matrix } from "./linalg64.js";
export {
  mnistReference,
  qualityFloor,
  sampleQuality,
  type ReferenceSet,
  type SampleQuality,
  type SampleQualityOptions,
} from "./sample-quality.js";

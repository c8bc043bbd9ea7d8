/**
 * The application layer: the operations every interface calls — the CLI, the studio's server and the queue's workers.
 * Results and progress come back as values and hook calls; nothing here prints.
 */
export { fit, uniformBaseline, type FitHooks, type FitStart, type RunMetrics, type RunResult } from "./fit.js";
export { resolveRun, readConfigSource, defaultRunDir, type RunSpec, type ResolvedRun } from "./run-spec.js";
export { evaluate, type EvalResult, type EvaluateOptions } from "./evaluate.js";
export { score, type ScoreOptions, type ScoreResult, type ImageScore } from "./score.js";
export { sample, complete, observedMask, type Images, type CompleteOptions } from "./generate.js";
export {
  embed,
  probe,
  probeTable,
  reconstruct,
  interpolate,
  type ProbeResult,
  type ProbeTableRow,
} from "./represent.js";
export { paramCounts, parameterCounts, type ParamCountRow } from "./params.js";
export { mnistDemo, barsDemo, MNIST_DEMO, type BarsDemoResult, type MnistDemoResult } from "./demos.js";
export { openRun, runDataset, runSplit, checkSplit, type OpenRun } from "./runs.js";
export { capabilitiesOf, requireCapability, CapabilityError } from "./capabilities.js";
export { describeModel, listModelInfo, type ModelInfo } from "./catalog.js";
export {
  BUDGETS,
  reproduce,
  reproducePlan,
  reproductionMarkdown,
  reproducibleModels,
  machineDescription,
  withGeneratedTable,
} from "./reproduce.js";
export type { Budget, ReproductionRow, ReproduceOptions } from "./reproduce.js";
export {
  ONE_CLASS_SCORES,
  oneClass,
  ONE_CLASS_DEFAULTS,
  oneClassPlan,
  oneClassRecipe,
  oneClassData,
  parseClasses,
  type OneClassOptions,
  type OneClassResult,
  type OneClassRow,
  type OneClassScore,
} from "./anomaly.js";
export {
  evaluateRange,
  planShards,
  combineShards,
  type ShardRange,
  type ShardResult,
  type CombinedResult,
  type RangeOptions,
} from "./shards.js";
export { parseGrid, gridPoints, runName, expandSweep, type Grid, type SweepPoint } from "./sweep.js";
export { savedStep } from "./position.js";
export { runSampleQuality, type RunQuality, type RunQualityOptions } from "./quality.js";
export { ood, binarizedName, type OodOptions, type OodResult, type OodRow } from "./ood.js";
export {
  translationReport,
  translationGrid,
  runCanTranslate,
  TEXTURED_CLASSIFIER,
  type TranslationOptions,
  type TranslationReport,
} from "./translate.js";

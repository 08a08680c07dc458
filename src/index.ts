// sysgmm as a library: `import { estimate } from 'sysgmm'`. The README's "Library use" shows each
// function with its output.
export { estimate, bootstrap, describe, loadPanel, type DataSource, type PanelOptions, type EstimateResult, type NamedMatrix, type BootstrapRunOptions, type BootstrapSummary } from './api/estimate.ts';
export { waldTest, lincom, type WaldTest, type LinearCombination } from './api/postestimation.ts';
export { predictGmm, type Predictions } from './api/predict.ts';
export { Panel } from './panel/panel.ts';
export type { PanelDescription } from './panel/describe.ts';
export { readTable, type DataFormat, type ReadOptions } from './data/read.ts';
export { parseXtabond2 } from './spec/parse.ts';
export type { ModelSpec } from './spec/types.ts';
export { fitGmm } from './gmm/fit.ts';
export type { GmmResult, Coefficient, TestStat, ArTest, DiffHansen, ModelTest } from './gmm/result.ts';
export { bootstrapGmm, type BootstrapOptions, type BootstrapResult } from './bootstrap/run.ts';
export { listBackends, getBackend, type BackendInfo } from './kernels/registry.ts';
export { DataError, SpecError } from './errors.ts';
// The engine underneath (README "One engine"): passes of partial sums, their merge and serialization.
export { prepareGmm, modelBlocks, estimateOptions, arMode, type PreparedGmm } from './gmm/fit.ts';
export { inference } from './gmm/inference.ts';
export { estimationSteps, runSteps, runStepsAsync, estimateOnShards, type Estimation, type EstimateOptions } from './gmm/estimate.ts';
export { computePass, type PassRequest, type Shard } from './gmm/passes.ts';
export { mergePartials, mergeAll, type PartialSums } from './gmm/partial-sums.ts';
export { serializePartial, deserializePartial } from './gmm/partial-io.ts';
export { splitUnits, shardOf } from './gmm/shards.ts';

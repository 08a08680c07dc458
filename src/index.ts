// sysgmm as a library: `import { estimate } from 'sysgmm'`. The README's "Library use" shows each
// function with its output.
export { estimate, bootstrap, describe, loadPanel, type DataSource, type ForeignTable, type PanelOptions, type EstimateRunOptions, type EstimateResult, type NamedMatrix, type BootstrapRunOptions, type BootstrapSummary } from './api/estimate.ts';
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
export { listBackends, getBackend, registerBackend, type BackendInfo, type BackendRegistration } from './kernels/registry.ts';
export { DataError, SpecError } from './errors.ts';
// The engine underneath (README "One engine"): passes of partial sums, their merge and serialization.
export { prepareGmm, modelBlocks, estimateOptions, arMode, type PreparedGmm } from './gmm/fit.ts';
export { inference } from './gmm/inference.ts';
export { estimationSteps, runSteps, runStepsAsync, estimateOnShards, type Estimation, type EstimateOptions } from './gmm/estimate.ts';
export { computePass, type PassRequest, type Shard } from './gmm/passes.ts';
export { mergePartials, mergeAll, type PartialSums } from './gmm/partial-sums.ts';
export { serializePartial, deserializePartial } from './gmm/partial-io.ts';
export { splitUnits, shardOf } from './gmm/shards.ts';
// Pooled OLS and within regressions; the study's measures and simulator; the workloads (README "Library use").
export { fitLinear } from './gmm/ols.ts';
export { coagglomerationIndices, panelIndices, type EmploymentData, type ReferenceTotals, type IndexResult } from './study/indices.ts';
export type { SectorMapping, SectorGroups } from './study/sectors.ts';
export type { MeasureWarning } from './study/warnings.ts';
export { deaScores, deaByYear, type DeaModel, type Technology, type Returns, type Orientation } from './study/dea.ts';
export { malmquist, type MalmquistResult } from './study/malmquist.ts';
export { labourProductivity } from './study/efficiency.ts';
export { simulateCityPanel, type SimulateOptions, type SimulationTruth, type DgpParameters } from './study/simulate.ts';
export { readPlan, runMontecarlo, runGrid } from './workloads/library.ts';
export type { Plan, EstimatorDef } from './workloads/plan.ts';
export type { MontecarloResult } from './workloads/montecarlo.ts';
export type { GridOptions, GridResult } from './workloads/grid.ts';
export type { WorkloadOptions } from './workloads/run-workload.ts';
export type { ExecutorOptions } from './run/executor.ts';
export { simulatePanel, type Design } from './workloads/dgp.ts';
export { keyedRng } from './stats/streams.ts';
export type { Rng } from './stats/rng.ts';

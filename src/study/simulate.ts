// A synthetic Chinese prefecture-city panel for the haze study, drawn from a known
// data-generating process (documented, with the true values, in data/README.md).
//
// Raw columns are generated (sector employment, manufacturing capital/labour/output, controls);
// co-agglomeration CA and efficiency EFF are then COMPUTED from them with the study's own
// functions (coagglomerationIndices, efficiencyMeasures), and log PM2.5 follows
//   ln PM_it = ρ ln PM_i,t−1 + b1_it ca_it + b2_it eff_it + b3_it ca_it·eff_it + γ'z_it + μ_i + λ_t + ε_it,
// ca = CA − mean(CA), eff = EFF − mean(EFF) (means over the estimation sample, years start+1..end),
// b_k,it = β_k (1 + g τ_t) (inland ? h : 1), τ_t = (t − start)/(end − start), ε ~ N(0, σ²).
// Validity by construction (Blundell & Bond 1998, assumptions for the levels moments): the raw
// processes are driven by their own shocks, independent of ε (so CA, EFF and controls are strictly
// exogenous); μ_i is correlated only with the city means of stationary controls, never with a
// variable's changes; the city means of CA and EFF and of GDP per capita are independent of μ_i,
// so the time-varying coefficients do not make ΔlnPM depend on μ_i; and `burnIn` years with the
// start-year coefficients and flat trends precede the sample, so ln PM in the first year is drawn
// from (close to) its stationary distribution given the city.
import type { Table } from 'apache-arrow';
import { SpecError } from '../errors.ts';
import { float64Data, tableFromColumns, utf8FromStrings, type BuiltColumn } from '../data/build.ts';
import { efficiencyColumnNames, efficiencyMeasures, type EfficiencyMeasure } from './efficiency.ts';
import { coagglomerationIndices } from './indices.ts';
import { allocateCities, PROVINCES } from './provinces.ts';
import { createRng, type Rng } from '../stats/rng.ts';
import { DEFAULT_SECTOR_GROUPS, defaultEmploymentColumn, GBT4754_2002 } from './sectors.ts';

export interface DgpParameters {
  /** Persistence ρ of ln PM2.5. */
  rho: number;
  /** Standard deviation σ of the idiosyncratic shock ε. */
  sigma: number;
  /** Coefficients of centred CA, centred EFF and their product for a coastal city in the first year. */
  beta: { ca: number; eff: number; interaction: number };
  /** g: the coefficients grow by the factor 1 + g·τ, τ from 0 (first year) to 1 (last year). */
  growth: number;
  /** h: inland coefficients are h times the coastal ones. */
  inlandMultiplier: number;
  /** Control coefficients: ln gdppc, (ln gdppc)², ln popden, secondary, fdi, tech, envreg. */
  gamma: { lngdppc: number; lngdppc2: number; lnpopden: number; secondary: number; fdi: number; tech: number; envreg: number };
  /** Mean of ln PM2.5 across cities at the start of the burn-in (sets the level of μ). */
  meanLogPm: number;
}

export const TRUE_PARAMETERS: DgpParameters = {
  rho: 0.8,
  sigma: 0.05,
  beta: { ca: -0.25, eff: -0.25, interaction: -0.25 },
  growth: 0.5,
  inlandMultiplier: 1.5,
  gamma: { lngdppc: 0.3, lngdppc2: -0.015, lnpopden: 0.03, secondary: 0.003, fdi: 0.003, tech: -0.01, envreg: -0.05 },
  meanLogPm: Math.log(50),
};

/** Year effects λ_t for 2003–2016 (0 in other years): haze rising to 2006, falling after 2013. */
export const YEAR_EFFECTS: Readonly<Record<number, number>> = {
  2003: 0, 2004: 0.02, 2005: 0.03, 2006: 0.03, 2007: 0.02, 2008: -0.01, 2009: -0.01,
  2010: 0, 2011: 0.01, 2012: 0, 2013: 0.03, 2014: -0.03, 2015: -0.06, 2016: -0.07,
};

export interface SimulateOptions {
  cities: number;
  /** First and last year, inclusive. */
  years: [number, number];
  seed: number;
  /** Years simulated before the first year and dropped (default 20). */
  burnIn?: number;
  /** Efficiency measure that enters the DGP (default 'dea-ccr-in'); DEA or labour productivity. */
  efficiency?: EfficiencyMeasure;
  /** Overrides of the true parameters (e.g. zero effects for size checks); a nested object (beta, gamma) replaces the default whole. */
  parameters?: Partial<DgpParameters>;
}

export interface Coefficients {
  ca: number;
  eff: number;
  interaction: number;
}

export interface SimulationTruth {
  seed: number;
  cities: number;
  coastalCities: number;
  years: [number, number];
  burnIn: number;
  parameters: DgpParameters;
  /** What CA and EFF are, as the study computes them. */
  index: 'CA1';
  efficiency: EfficiencyMeasure;
  /** Means of CA and EFF over the estimation sample (years start+1..end), at which they are centred. */
  centring: { ca: number; eff: number; years: [number, number] };
  /** Coefficients of year t for coastal and inland cities, centred parameterisation. */
  byYear: { year: number; coastal: Coefficients; inland: Coefficients }[];
  /**
   * The same coefficients written for uncentred CA, EFF and CA·EFF (b1 − b3·mean EFF,
   * b2 − b3·mean CA, b3); the leftover constant b1·(−mean CA) … moves with the multiplier.
   */
  byYearUncentred: { year: number; coastal: Coefficients; inland: Coefficients }[];
  /** Means of b_k,it over the estimation-sample city-years: all, coastal and inland cities. */
  average: { all: Coefficients; coastal: Coefficients; inland: Coefficients };
  /** Year effects λ_t of the sample years. */
  lambda: number[];
  /** City effects μ_i, in city order (the order of the table). */
  mu: Float64Array;
  /** ln PM2.5 of each city in the year before the first (the last burn-in year). */
  logPmBefore: Float64Array;
  /** CA, EFF and ε of each table row, as used by the DGP. */
  ca: Float64Array;
  eff: Float64Array;
  epsilon: Float64Array;
}

/** The coefficients b_k,t of a city in `year` (τ = 0 before the first year). */
export function coefficientsAt(p: DgpParameters, year: number, years: [number, number], coastal: boolean): Coefficients {
  const span = years[1] - years[0];
  const tau = span > 0 ? Math.max(0, year - years[0]) / span : 0;
  const m = (1 + p.growth * tau) * (coastal ? 1 : p.inlandMultiplier);
  return { ca: p.beta.ca * m, eff: p.beta.eff * m, interaction: p.beta.interaction * m };
}

// Base employment shares (%) of the 19 door sectors, roughly urban-unit employment in 2003, and
// the log change of each sector's weight over the sample (common to all cities).
const BASE_SHARE: Record<string, number> = {
  A: 1, B: 4, C: 28, D: 3, E: 10, F: 5, G: 1.5, H: 5, I: 2, J: 3.5,
  K: 2, L: 2, M: 2, N: 1.5, O: 0.5, P: 12, Q: 5, R: 1, S: 12,
};
const SHARE_TREND: Record<string, number> = { A: -0.5, B: -0.2, C: -0.25, G: 0.6, J: 0.3, K: 0.4, L: 0.5, M: 0.3 };

/** A stationary AR(1) path x_t = φ x_{t−1} + sd·e_t of length T, started from its stationary law. */
function ar1(rng: Rng, T: number, phi: number, sd: number): Float64Array {
  const x = new Float64Array(T);
  x[0] = (sd / Math.sqrt(1 - phi * phi)) * rng.normal();
  for (let t = 1; t < T; t++) x[t] = phi * x[t - 1] + sd * rng.normal();
  return x;
}

const round = (x: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/** The producer-service sectors (the default grouping's segments). */
const PRODUCER_SERVICES = new Set(DEFAULT_SECTOR_GROUPS.segments.flatMap((s) => s.codes));

/** The simulated cities: province, code, coastal and municipality flags, in table order. */
interface CityLayout {
  cityProv: number[];
  cityCode: number[];
  coastal: boolean[];
  muni: boolean[];
}

/** The time axis: burn-in years, then the sample; k indexes all T simulated years. */
interface TimeAxis {
  start: number;
  end: number;
  burnIn: number;
  T: number;
  yearOf: (k: number) => number;
  /** Years since start (0 in the burn-in). */
  since: (k: number) => number;
  /** τ = since/span. */
  tauOf: (k: number) => number;
}

/** The raw generated columns over every simulated city-year (row = i·T + k), and μ_i before its level. */
interface RawColumns {
  emp: Record<string, Float64Array>;
  capital: Float64Array;
  labour: Float64Array;
  output: Float64Array;
  gdppc: Float64Array;
  popden: Float64Array;
  secondary: Float64Array;
  fdi: Float64Array;
  tech: Float64Array;
  envreg: Float64Array;
  muDraw: Float64Array;
}

/** Simulate the panel. Rows are sorted by city, then year; see data/README.md for the columns. */
export async function simulateCityPanel(opts: SimulateOptions): Promise<{ table: Table; truth: SimulationTruth }> {
  const { p, measure, time } = checkedOptions(opts);
  const rng = createRng(opts.seed);
  const cities = cityLayout(opts.cities);
  const raw = rawColumns(rng, cities, time);
  const N = opts.cities;
  const rows = N * time.T;
  // CA and EFF exactly as the study computes them, over all simulated years (burn-in included).
  const cityKey = Array.from({ length: rows }, (_, r) => cities.cityCode[Math.floor(r / time.T)]);
  const yearKey = Float64Array.from({ length: rows }, (_, r) => time.yearOf(r % time.T));
  const indices = coagglomerationIndices({ city: cityKey, year: yearKey, employment: raw.emp }, DEFAULT_SECTOR_GROUPS);
  const caAll = indices.columns.CA1;
  const effRes = await efficiencyMeasures({ city: cityKey, year: yearKey, capital: raw.capital, labour: raw.labour, output: raw.output }, [measure]);
  const effAll = effRes.columns[efficiencyColumnNames(measure)[0]];
  for (let r = 0; r < rows; r++)
    if (!Number.isFinite(caAll[r]) || !Number.isFinite(effAll[r])) throw new Error(`simulate: CA or EFF not finite at city ${cityKey[r]}, year ${yearKey[r]}`);
  const centring = sampleMeans(caAll, effAll, yearKey, time.start);
  const model = modelPart(p, raw, caAll, effAll, yearKey, centring, cities.coastal, time);
  const mu = cityEffects(p, raw.muDraw, model, time.T);
  const { logPm, eps } = logPmPaths(rng, p, model, mu, time);
  // Keep the sample years.
  const nYears = time.end - time.start + 1;
  const keep = Int32Array.from({ length: N * nYears }, (_, j) => Math.floor(j / nYears) * time.T + time.burnIn + (j % nYears));
  const pick = (v: Float64Array) => Float64Array.from(keep, (r) => v[r]);
  const truth: SimulationTruth = {
    seed: opts.seed,
    cities: N,
    coastalCities: cities.coastal.filter(Boolean).length,
    years: [time.start, time.end],
    burnIn: time.burnIn,
    parameters: p,
    index: 'CA1',
    efficiency: measure,
    centring: { ca: centring.ca, eff: centring.eff, years: [time.start + 1, time.end] },
    ...coefficientTruth(p, cities.coastal, time, centring),
    mu,
    logPmBefore: Float64Array.from({ length: N }, (_, i) => logPm[i * time.T + time.burnIn - 1]),
    ca: pick(caAll),
    eff: pick(effAll),
    epsilon: pick(eps),
  };
  return { table: sampleTable(keep, cities, time.T, raw, yearKey, logPm), truth };
}

/** Options checked (each bad one a SpecError naming it), the DGP's parameters and the time axis. */
function checkedOptions(opts: SimulateOptions): { p: DgpParameters; measure: EfficiencyMeasure; time: TimeAxis } {
  const { cities } = opts;
  const [start, end] = opts.years;
  const burnIn = opts.burnIn ?? 20;
  const measure = opts.efficiency ?? 'dea-ccr-in';
  const p: DgpParameters = { ...TRUE_PARAMETERS, ...opts.parameters };
  if (!Number.isInteger(cities) || cities < 2) throw new SpecError(`--cities must be an integer >= 2, got ${cities}`, '--cities');
  if (!Number.isInteger(start) || !Number.isInteger(end) || end < start + 1)
    throw new SpecError(`--years must be two integer years, the second after the first, got ${start}-${end}`, '--years');
  if (!Number.isInteger(burnIn) || burnIn < 1) throw new SpecError(`--burn-in must be an integer >= 1, got ${burnIn}`, '--burn-in');
  if (measure === 'malmquist') throw new SpecError('the DGP needs an efficiency level, not the Malmquist index', '--efficiency');
  if (!(Math.abs(p.rho) < 1)) throw new SpecError(`rho must lie in (−1, 1), got ${p.rho}`, 'rho');
  // Time axis: burn-in years, then the sample. s = years since start (0 in the burn-in), τ = s/span.
  const yearOf = (k: number) => start - burnIn + k;
  const since = (k: number) => Math.max(0, yearOf(k) - start);
  const time: TimeAxis = { start, end, burnIn, T: burnIn + end - start + 1, yearOf, since, tauOf: (k) => since(k) / (end - start) };
  return { p, measure, time };
}

/** Cities: province counts of the 285-city panel, scaled to `cities`. */
function cityLayout(cities: number): CityLayout {
  const counts = allocateCities(cities);
  const cityProv: number[] = [];
  counts.forEach((k, pi) => {
    for (let j = 0; j < k; j++) cityProv.push(pi);
  });
  // Province code, then the city's number within it in two digits, or more where a province has 100
  // cities or more (a panel over 1,364 cities): 1101, or 110001 (codes stay distinct).
  const scale = 10 ** Math.max(2, String(Math.max(...counts)).length);
  const seen = new Array<number>(counts.length).fill(0);
  const cityCode = cityProv.map((pi) => PROVINCES[pi].code * scale + ++seen[pi]);
  return { cityProv, cityCode, coastal: cityProv.map((pi) => PROVINCES[pi].coastal), muni: cityProv.map((pi) => PROVINCES[pi].municipality) };
}

/** The raw columns, city by city: each city's levels and AR(1) deviations drawn, then its rows filled. */
function rawColumns(rng: Rng, cities: CityLayout, time: TimeAxis): RawColumns {
  const N = cities.cityCode.length;
  const rows = N * time.T;
  const sectors = GBT4754_2002.map((s) => s.code);
  const raw: RawColumns = {
    emp: Object.fromEntries(sectors.map((c) => [c, new Float64Array(rows)])),
    capital: new Float64Array(rows),
    labour: new Float64Array(rows),
    output: new Float64Array(rows),
    gdppc: new Float64Array(rows),
    popden: new Float64Array(rows),
    secondary: new Float64Array(rows),
    fdi: new Float64Array(rows),
    tech: new Float64Array(rows),
    envreg: new Float64Array(rows),
    muDraw: new Float64Array(N),
  };
  for (let i = 0; i < N; i++) fillCity(raw, i, cityProcesses(rng, cities.coastal[i] ? 1 : 0, cities.muni[i] ? 1 : 0, time.T, sectors), time, sectors);
  return raw;
}

/** One city's draws, in the generator's order (the panel depends on it). */
function cityProcesses(rng: Rng, c: number, m: number, T: number, sectors: string[]) {
  const ps = PRODUCER_SERVICES;
  // Employment: total E_it and sector shares softmax(α_k + trend_k τ + b_ik + v_ikt).
  const eLevel = Math.log(30) + 0.3 * c + 2.3 * m + 0.7 * rng.normal();
  const eDev = ar1(rng, T, 0.8, 0.04);
  const manufMean = 0.15 * c + 0.3 * rng.normal(); // city's manufacturing specialisation
  const psMean = 0.1 * c + 0.2 * rng.normal(); // city's producer-service specialisation (all five)
  const cityEffect: Record<string, number> = {};
  const dev: Record<string, Float64Array> = {};
  const psDev = ar1(rng, T, 0.7, 0.12);
  for (const code of sectors) {
    if (code === 'C') {
      cityEffect[code] = 0;
      dev[code] = ar1(rng, T, 0.7, 0.15);
    } else if (ps.has(code)) {
      cityEffect[code] = 0.25 * rng.normal();
      dev[code] = ar1(rng, T, 0.7, 0.1);
    } else {
      cityEffect[code] = 0.35 * rng.normal();
      dev[code] = ar1(rng, T, 0.7, 0.1);
    }
  }
  // Manufacturing inputs and output.
  const labourRatio = 0.1 + 0.2 * rng.normal();
  const kLevel = Math.log(20) + 0.2 * c + 0.4 * rng.normal();
  const kDev = ar1(rng, T, 0.8, 0.05);
  const inefficiencyMean = -0.15 * c + 0.3 * rng.normal();
  const inefficiencyDev = ar1(rng, T, 0.7, 0.3);
  // Controls: city means (stationary parts) and AR(1) deviations.
  const gLevel = Math.log(14000) + 0.35 * c + 0.5 * m + 0.45 * rng.normal();
  const gDev = ar1(rng, T, 0.85, 0.04);
  const popMean = 0.6 * rng.normal();
  const popDev = ar1(rng, T, 0.9, 0.02);
  const secMean = 7 * rng.normal();
  const secDev = ar1(rng, T, 0.8, 1.5);
  const fdiMean = 0.7 * rng.normal();
  const fdiDev = ar1(rng, T, 0.7, 0.3);
  const techMean = 0.5 * rng.normal();
  const techDev = ar1(rng, T, 0.7, 0.15);
  const envMean = 0.6 * rng.normal();
  const envDev = ar1(rng, T, 0.7, 0.3);
  // μ_i (before its common level): tied to the means of density, industry share and regulation.
  const muDraw = 0.015 * (popMean / 0.6) + 0.015 * (secMean / 7) - 0.01 * (envMean / 0.6) + 0.02 * rng.normal();
  return {
    c, m, ps, eLevel, eDev, manufMean, psMean, cityEffect, dev, psDev, labourRatio, kLevel, kDev, inefficiencyMean, inefficiencyDev,
    gLevel, gDev, popMean, popDev, secMean, secDev, fdiMean, fdiDev, techMean, techDev, envMean, envDev, muDraw,
  };
}

/** City i's rows of the raw columns from its draws. */
function fillCity(raw: RawColumns, i: number, d: ReturnType<typeof cityProcesses>, time: TimeAxis, sectors: string[]): void {
  const { c, m, ps } = d;
  const { emp, capital, labour, output, gdppc, popden, secondary, fdi, tech, envreg } = raw;
  raw.muDraw[i] = d.muDraw;
  for (let k = 0; k < time.T; k++) {
    const r = i * time.T + k;
    const s = time.since(k);
    const tau = time.tauOf(k);
    const converge = 1 - 0.3 * tau; // structural differences between cities narrow over the sample
    const weights = sectors.map((code) => {
      let w = Math.log(BASE_SHARE[code]) + (SHARE_TREND[code] ?? 0) * tau + d.cityEffect[code] + d.dev[code][k];
      if (code === 'C') w += converge * d.manufMean;
      if (ps.has(code)) w += converge * d.psMean + d.psDev[k];
      return Math.exp(w);
    });
    const wsum = weights.reduce((a, b) => a + b, 0);
    const total = Math.exp(d.eLevel + 0.025 * s + d.eDev[k]);
    sectors.forEach((code, j) => (emp[code][r] = Math.max(0.01, round((total * weights[j]) / wsum, 2))));

    labour[r] = Math.max(0.01, round(emp.C[r] * Math.exp(d.labourRatio), 2));
    capital[r] = Math.max(0.01, round(labour[r] * Math.exp(d.kLevel + 0.07 * s + d.kDev[k]), 2));
    const u = 0.35 * (1 - 0.3 * tau) * Math.exp(d.inefficiencyMean + d.inefficiencyDev[k]);
    const lnY = Math.log(3) + 0.04 * s + 0.4 * Math.log(capital[r]) + 0.6 * Math.log(labour[r]) - u;
    output[r] = Math.max(0.01, round(Math.exp(lnY), 2));

    gdppc[r] = Math.round(Math.exp(d.gLevel + 0.11 * s - 0.0015 * s * s + d.gDev[k]));
    popden[r] = round(Math.exp(Math.log(350) + 0.35 * c + 0.8 * m + d.popMean + 0.005 * s + d.popDev[k]), 2);
    secondary[r] = round(Math.min(85, Math.max(15, 48 + 3 * c + d.secMean - 0.35 * s + d.secDev[k])), 2);
    fdi[r] = Math.max(1e-4, round(Math.exp(Math.log(2) + 0.5 * c + d.fdiMean - 0.03 * s + d.fdiDev[k]), 4));
    tech[r] = Math.max(1e-4, round(Math.exp(Math.log(1.2) + 0.3 * c + d.techMean + 0.06 * s + d.techDev[k]), 4));
    envreg[r] = round(1 / (1 + Math.exp(-(d.envMean + 0.1 * s + d.envDev[k]))), 4);
  }
}

/** Centring constants: the means of CA and EFF over the estimation sample (years start+1..end). */
function sampleMeans(caAll: Float64Array, effAll: Float64Array, yearKey: Float64Array, start: number): { ca: number; eff: number } {
  let caSum = 0;
  let effSum = 0;
  let nEst = 0;
  for (let r = 0; r < yearKey.length; r++) {
    if (yearKey[r] > start) {
      caSum += caAll[r];
      effSum += effAll[r];
      nEst++;
    }
  }
  return { ca: caSum / nEst, eff: effSum / nEst };
}

/** The model part f_it = b1 ca + b2 eff + b3 ca·eff + γ'z from the stored (rounded) columns. */
function modelPart(p: DgpParameters, raw: RawColumns, caAll: Float64Array, effAll: Float64Array, yearKey: Float64Array, centring: { ca: number; eff: number }, coastal: boolean[], time: TimeAxis): Float64Array {
  const g = p.gamma;
  const model = new Float64Array(yearKey.length);
  for (let r = 0; r < yearKey.length; r++) {
    const b = coefficientsAt(p, yearKey[r], [time.start, time.end], coastal[Math.floor(r / time.T)]);
    const ca = caAll[r] - centring.ca;
    const eff = effAll[r] - centring.eff;
    const lg = Math.log(raw.gdppc[r]);
    model[r] =
      b.ca * ca + b.eff * eff + b.interaction * ca * eff +
      g.lngdppc * lg + g.lngdppc2 * lg * lg + g.lnpopden * Math.log(raw.popden[r]) +
      g.secondary * raw.secondary[r] + g.fdi * raw.fdi[r] + g.tech * raw.tech[r] + g.envreg * raw.envreg[r];
  }
  return model;
}

/** μ_i with its common level: the cities' stationary means at the start of the burn-in average meanLogPm. */
function cityEffects(p: DgpParameters, muDraw: Float64Array, model: Float64Array, T: number): Float64Array {
  const N = muDraw.length;
  let first = 0;
  for (let i = 0; i < N; i++) first += muDraw[i] + model[i * T];
  return Float64Array.from(muDraw, (m) => m + (1 - p.rho) * p.meanLogPm - first / N);
}

const lambdaOf = (year: number) => YEAR_EFFECTS[year] ?? 0;

/** ln PM2.5: start at (μ_i + first-year model part)/(1 − ρ) plus a stationary-variance shock, then iterate. */
function logPmPaths(rng: Rng, p: DgpParameters, model: Float64Array, mu: Float64Array, time: TimeAxis): { logPm: Float64Array; eps: Float64Array } {
  const { T, burnIn } = time;
  const logPm = new Float64Array(model.length);
  const eps = new Float64Array(model.length);
  for (let i = 0; i < mu.length; i++) {
    const r0 = i * T;
    logPm[r0] = (mu[i] + model[r0]) / (1 - p.rho) + (p.sigma / Math.sqrt(1 - p.rho * p.rho)) * rng.normal();
    for (let k = 1; k < T; k++) {
      const r = r0 + k;
      eps[r] = p.sigma * rng.normal();
      logPm[r] = p.rho * logPm[r - 1] + model[r] + mu[i] + (k >= burnIn ? lambdaOf(time.yearOf(k)) : 0) + eps[r];
    }
  }
  return { logPm, eps };
}

/** The table of the sample years (rows `keep` of the simulated city-years). */
function sampleTable(keep: Int32Array, cities: CityLayout, T: number, raw: RawColumns, yearKey: Float64Array, logPm: Float64Array): Table {
  const { cityCode, cityProv, coastal } = cities;
  const pick = (v: Float64Array) => Float64Array.from(keep, (r) => v[r]);
  const cityOfRow = Array.from(keep, (r) => Math.floor(r / T));
  const num = (name: string, values: Float64Array): BuiltColumn => ({ name, data: float64Data(values) });
  return tableFromColumns([
    num('city', Float64Array.from(cityOfRow, (i) => cityCode[i])),
    { name: 'city_name', data: utf8FromStrings(cityOfRow.map((i) => cityName(PROVINCES[cityProv[i]], cityCode[i]))) },
    { name: 'province', data: utf8FromStrings(cityOfRow.map((i) => PROVINCES[cityProv[i]].name)) },
    num('coastal', Float64Array.from(cityOfRow, (i) => (coastal[i] ? 1 : 0))),
    num('year', pick(yearKey)),
    num('pm25', Float64Array.from(keep, (r) => Math.exp(logPm[r]))),
    ...GBT4754_2002.map((s) => num(defaultEmploymentColumn(s), pick(raw.emp[s.code]))),
    num('manuf_capital', pick(raw.capital)),
    num('manuf_labour', pick(raw.labour)),
    num('manuf_output', pick(raw.output)),
    num('gdppc', pick(raw.gdppc)),
    num('popden', pick(raw.popden)),
    num('secondary', pick(raw.secondary)),
    num('fdi', pick(raw.fdi)),
    num('tech', pick(raw.tech)),
    num('envreg', pick(raw.envreg)),
  ]);
}

/** The true coefficients by year (centred and uncentred), their averages over the estimation sample, and λ_t. */
function coefficientTruth(
  p: DgpParameters,
  coastal: boolean[],
  time: TimeAxis,
  centring: { ca: number; eff: number },
): Pick<SimulationTruth, 'byYear' | 'byYearUncentred' | 'average' | 'lambda'> {
  const years: number[] = Array.from({ length: time.end - time.start + 1 }, (_, k) => time.start + k);
  const coef = (b: (year: number, coastal: boolean) => Coefficients) => years.map((year) => ({ year, coastal: b(year, true), inland: b(year, false) }));
  const centred = (year: number, c: boolean) => coefficientsAt(p, year, [time.start, time.end], c);
  const uncentred = (year: number, c: boolean): Coefficients => {
    const b = centred(year, c);
    return { ca: b.ca - b.interaction * centring.eff, eff: b.eff - b.interaction * centring.ca, interaction: b.interaction };
  };
  const average = (which: (c: boolean) => boolean): Coefficients => {
    const acc = { ca: 0, eff: 0, interaction: 0 };
    let n = 0;
    for (let i = 0; i < coastal.length; i++) {
      if (!which(coastal[i])) continue;
      for (const year of years.slice(1)) {
        const b = centred(year, coastal[i]);
        acc.ca += b.ca;
        acc.eff += b.eff;
        acc.interaction += b.interaction;
        n++;
      }
    }
    return { ca: acc.ca / n, eff: acc.eff / n, interaction: acc.interaction / n };
  };
  return {
    byYear: coef(centred),
    byYearUncentred: coef(uncentred),
    average: { all: average(() => true), coastal: average((c) => c), inland: average((c) => !c) },
    lambda: years.map(lambdaOf),
  };
}

function cityName(prov: { name: string; municipality: boolean }, code: number): string {
  return prov.municipality ? prov.name : `${prov.name} ${String(code % 100).padStart(2, '0')}`;
}

/** The truth as plain JSON (typed arrays as arrays; per-row arrays left out unless `rows`). */
export function truthToJson(truth: SimulationTruth, rows = false): Record<string, unknown> {
  const { ca, eff, epsilon, mu, logPmBefore, ...rest } = truth;
  return {
    ...rest,
    mu: Array.from(mu),
    logPmBefore: Array.from(logPmBefore),
    ...(rows ? { ca: Array.from(ca), eff: Array.from(eff), epsilon: Array.from(epsilon) } : {}),
  };
}

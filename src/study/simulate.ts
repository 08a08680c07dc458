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

/** Simulate the panel. Rows are sorted by city, then year; see data/README.md for the columns. */
export async function simulateCityPanel(opts: SimulateOptions): Promise<{ table: Table; truth: SimulationTruth }> {
  const { cities, seed } = opts;
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
  const rng = createRng(seed);

  // Cities: province counts of the 285-city panel, scaled to `cities`.
  const counts = allocateCities(cities);
  const cityProv: number[] = [];
  counts.forEach((k, pi) => {
    for (let j = 0; j < k; j++) cityProv.push(pi);
  });
  const cityCode = cityProv.map((pi, i) => PROVINCES[pi].code * 100 + (i - cityProv.indexOf(pi) + 1));
  const coastal = cityProv.map((pi) => PROVINCES[pi].coastal);
  const muni = cityProv.map((pi) => PROVINCES[pi].municipality);

  // Time axis: burn-in years, then the sample. s = years since start (0 in the burn-in), τ = s/span.
  const T = burnIn + end - start + 1;
  const yearOf = (k: number) => start - burnIn + k;
  const since = (k: number) => Math.max(0, yearOf(k) - start);
  const tauOf = (k: number) => since(k) / (end - start);
  const N = cities;
  const rows = N * T; // all simulated city-years, row = i*T + k
  const sectors = GBT4754_2002.map((s) => s.code);
  const ps = new Set(DEFAULT_SECTOR_GROUPS.segments.flatMap((s) => s.codes));
  const emp: Record<string, Float64Array> = Object.fromEntries(sectors.map((c) => [c, new Float64Array(rows)]));
  const capital = new Float64Array(rows);
  const labour = new Float64Array(rows);
  const output = new Float64Array(rows);
  const gdppc = new Float64Array(rows);
  const popden = new Float64Array(rows);
  const secondary = new Float64Array(rows);
  const fdi = new Float64Array(rows);
  const tech = new Float64Array(rows);
  const envreg = new Float64Array(rows);
  const muDraw = new Float64Array(N);

  for (let i = 0; i < N; i++) {
    const c = coastal[i] ? 1 : 0;
    const m = muni[i] ? 1 : 0;
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
    muDraw[i] = 0.015 * (popMean / 0.6) + 0.015 * (secMean / 7) - 0.01 * (envMean / 0.6) + 0.02 * rng.normal();

    for (let k = 0; k < T; k++) {
      const r = i * T + k;
      const s = since(k);
      const tau = tauOf(k);
      const converge = 1 - 0.3 * tau; // structural differences between cities narrow over the sample
      const weights = sectors.map((code) => {
        let w = Math.log(BASE_SHARE[code]) + (SHARE_TREND[code] ?? 0) * tau + cityEffect[code] + dev[code][k];
        if (code === 'C') w += converge * manufMean;
        if (ps.has(code)) w += converge * psMean + psDev[k];
        return Math.exp(w);
      });
      const wsum = weights.reduce((a, b) => a + b, 0);
      const total = Math.exp(eLevel + 0.025 * s + eDev[k]);
      sectors.forEach((code, j) => (emp[code][r] = Math.max(0.01, round((total * weights[j]) / wsum, 2))));

      labour[r] = Math.max(0.01, round(emp.C[r] * Math.exp(labourRatio), 2));
      capital[r] = Math.max(0.01, round(labour[r] * Math.exp(kLevel + 0.07 * s + kDev[k]), 2));
      const u = 0.35 * (1 - 0.3 * tau) * Math.exp(inefficiencyMean + inefficiencyDev[k]);
      const lnY = Math.log(3) + 0.04 * s + 0.4 * Math.log(capital[r]) + 0.6 * Math.log(labour[r]) - u;
      output[r] = Math.max(0.01, round(Math.exp(lnY), 2));

      gdppc[r] = Math.round(Math.exp(gLevel + 0.11 * s - 0.0015 * s * s + gDev[k]));
      popden[r] = round(Math.exp(Math.log(350) + 0.35 * c + 0.8 * m + popMean + 0.005 * s + popDev[k]), 2);
      secondary[r] = round(Math.min(85, Math.max(15, 48 + 3 * c + secMean - 0.35 * s + secDev[k])), 2);
      fdi[r] = Math.max(1e-4, round(Math.exp(Math.log(2) + 0.5 * c + fdiMean - 0.03 * s + fdiDev[k]), 4));
      tech[r] = Math.max(1e-4, round(Math.exp(Math.log(1.2) + 0.3 * c + techMean + 0.06 * s + techDev[k]), 4));
      envreg[r] = round(1 / (1 + Math.exp(-(envMean + 0.1 * s + envDev[k]))), 4);
    }
  }

  // CA and EFF exactly as the study computes them, over all simulated years (burn-in included).
  const cityKey = Array.from({ length: rows }, (_, r) => cityCode[Math.floor(r / T)]);
  const yearKey = Float64Array.from({ length: rows }, (_, r) => yearOf(r % T));
  const indices = coagglomerationIndices({ city: cityKey, year: yearKey, employment: emp }, DEFAULT_SECTOR_GROUPS);
  const caAll = indices.columns.CA1;
  const effRes = await efficiencyMeasures({ city: cityKey, year: yearKey, capital, labour, output }, [measure]);
  const effAll = effRes.columns[efficiencyColumnNames(measure)[0]];
  for (let r = 0; r < rows; r++)
    if (!Number.isFinite(caAll[r]) || !Number.isFinite(effAll[r])) throw new Error(`simulate: CA or EFF not finite at city ${cityKey[r]}, year ${yearKey[r]}`);

  // Centring constants: means over the estimation sample (years start+1..end).
  let caSum = 0;
  let effSum = 0;
  let nEst = 0;
  for (let r = 0; r < rows; r++) {
    if (yearKey[r] > start) {
      caSum += caAll[r];
      effSum += effAll[r];
      nEst++;
    }
  }
  const caMean = caSum / nEst;
  const effMean = effSum / nEst;

  // The model part f_it = b1 ca + b2 eff + b3 ca·eff + γ'z from the stored (rounded) columns.
  const g = p.gamma;
  const model = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const b = coefficientsAt(p, yearKey[r], [start, end], coastal[Math.floor(r / T)]);
    const ca = caAll[r] - caMean;
    const eff = effAll[r] - effMean;
    const lg = Math.log(gdppc[r]);
    model[r] =
      b.ca * ca + b.eff * eff + b.interaction * ca * eff +
      g.lngdppc * lg + g.lngdppc2 * lg * lg + g.lnpopden * Math.log(popden[r]) +
      g.secondary * secondary[r] + g.fdi * fdi[r] + g.tech * tech[r] + g.envreg * envreg[r];
  }
  // Common level of μ: the cities' stationary means at the start of the burn-in average meanLogPm.
  let first = 0;
  for (let i = 0; i < N; i++) first += muDraw[i] + model[i * T];
  const mu = Float64Array.from(muDraw, (m) => m + (1 - p.rho) * p.meanLogPm - first / N);

  // ln PM2.5: start at (μ_i + first-year model part)/(1 − ρ) plus a stationary-variance shock, then iterate.
  const lambdaOf = (year: number) => YEAR_EFFECTS[year] ?? 0;
  const logPm = new Float64Array(rows);
  const eps = new Float64Array(rows);
  for (let i = 0; i < N; i++) {
    const r0 = i * T;
    logPm[r0] = (mu[i] + model[r0]) / (1 - p.rho) + (p.sigma / Math.sqrt(1 - p.rho * p.rho)) * rng.normal();
    for (let k = 1; k < T; k++) {
      const r = r0 + k;
      eps[r] = p.sigma * rng.normal();
      logPm[r] = p.rho * logPm[r - 1] + model[r] + mu[i] + (k >= burnIn ? lambdaOf(yearOf(k)) : 0) + eps[r];
    }
  }

  // Keep the sample years.
  const nYears = end - start + 1;
  const keep = Int32Array.from({ length: N * nYears }, (_, j) => Math.floor(j / nYears) * T + burnIn + (j % nYears));
  const pick = (v: Float64Array) => Float64Array.from(keep, (r) => v[r]);
  const cityOfRow = Array.from(keep, (r) => Math.floor(r / T));
  const num = (name: string, values: Float64Array): BuiltColumn => ({ name, data: float64Data(values) });
  const columns: BuiltColumn[] = [
    num('city', Float64Array.from(cityOfRow, (i) => cityCode[i])),
    { name: 'city_name', data: utf8FromStrings(cityOfRow.map((i) => cityName(PROVINCES[cityProv[i]], cityCode[i]))) },
    { name: 'province', data: utf8FromStrings(cityOfRow.map((i) => PROVINCES[cityProv[i]].name)) },
    num('coastal', Float64Array.from(cityOfRow, (i) => (coastal[i] ? 1 : 0))),
    num('year', pick(yearKey)),
    num('pm25', Float64Array.from(keep, (r) => Math.exp(logPm[r]))),
    ...GBT4754_2002.map((s) => num(defaultEmploymentColumn(s), pick(emp[s.code]))),
    num('manuf_capital', pick(capital)),
    num('manuf_labour', pick(labour)),
    num('manuf_output', pick(output)),
    num('gdppc', pick(gdppc)),
    num('popden', pick(popden)),
    num('secondary', pick(secondary)),
    num('fdi', pick(fdi)),
    num('tech', pick(tech)),
    num('envreg', pick(envreg)),
  ];

  const years: number[] = Array.from({ length: nYears }, (_, k) => start + k);
  const coef = (b: (year: number, coastal: boolean) => Coefficients) =>
    years.map((year) => ({ year, coastal: b(year, true), inland: b(year, false) }));
  const centred = (year: number, c: boolean) => coefficientsAt(p, year, [start, end], c);
  const uncentred = (year: number, c: boolean): Coefficients => {
    const b = centred(year, c);
    return { ca: b.ca - b.interaction * effMean, eff: b.eff - b.interaction * caMean, interaction: b.interaction };
  };
  const average = (which: (c: boolean) => boolean): Coefficients => {
    const acc = { ca: 0, eff: 0, interaction: 0 };
    let n = 0;
    for (let i = 0; i < N; i++) {
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
  const truth: SimulationTruth = {
    seed,
    cities: N,
    coastalCities: coastal.filter(Boolean).length,
    years: [start, end],
    burnIn,
    parameters: p,
    index: 'CA1',
    efficiency: measure,
    centring: { ca: caMean, eff: effMean, years: [start + 1, end] },
    byYear: coef(centred),
    byYearUncentred: coef(uncentred),
    average: { all: average(() => true), coastal: average((c) => c), inland: average((c) => !c) },
    lambda: years.map(lambdaOf),
    mu,
    logPmBefore: Float64Array.from({ length: N }, (_, i) => logPm[i * T + burnIn - 1]),
    ca: pick(caAll),
    eff: pick(effAll),
    epsilon: pick(eps),
  };
  return { table: tableFromColumns(columns), truth };
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

import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCsv } from '../src/data/csv.ts';
import { SpecError } from '../src/errors.ts';
import { Panel } from '../src/panel/panel.ts';
import { panelEfficiency } from '../src/study/efficiency.ts';
import { panelIndices } from '../src/study/indices.ts';
import { allocateCities, PROVINCES } from '../src/study/provinces.ts';
import { simulateCityPanel, type SimulationTruth } from '../src/study/simulate.ts';
import { tableToCsv } from '../src/data/csv-write.ts';
import { runSimulate } from '../src/cli/commands/simulate.ts';
import { tableFromColumns, utf8FromStrings, float64Data } from '../src/data/build.ts';

const PANEL = 'data/city_panel.csv';
const TRUTH = 'data/city_panel_truth.json';
const SEED = 20260101;

// The documented DGP (data/README.md), written out here independently of src/study/simulate.ts.
const RHO = 0.8;
const SIGMA = 0.05;
const BETA = { ca: -0.25, eff: -0.25, interaction: -0.25 };
const GROWTH = 0.5;
const INLAND = 1.5;
const GAMMA = { lngdppc: 0.3, lngdppc2: -0.015, lnpopden: 0.03, secondary: 0.003, fdi: 0.003, tech: -0.01, envreg: -0.05 };
const LAMBDA = [0, 0.02, 0.03, 0.03, 0.02, -0.01, -0.01, 0, 0.01, 0, 0.03, -0.03, -0.06, -0.07];
const COASTAL_PROVINCES = ['Beijing', 'Tianjin', 'Hebei', 'Liaoning', 'Shanghai', 'Jiangsu', 'Zhejiang', 'Fujian', 'Shandong', 'Guangdong', 'Hainan'];
const COLUMNS = [
  'city', 'city_name', 'province', 'coastal', 'year', 'pm25',
  'emp_agri', 'emp_mining', 'emp_manuf', 'emp_utilities', 'emp_construct', 'emp_transport', 'emp_ict', 'emp_trade', 'emp_hotel', 'emp_finance',
  'emp_realestate', 'emp_leasing', 'emp_research', 'emp_environment', 'emp_resident', 'emp_education', 'emp_health', 'emp_culture', 'emp_public',
  'manuf_capital', 'manuf_labour', 'manuf_output', 'gdppc', 'popden', 'secondary', 'fdi', 'tech', 'envreg',
];

const small = { cities: 30, years: [2003, 2008] as [number, number], burnIn: 5 };

describe('simulateCityPanel: determinism and options', () => {
  it('the same seed gives the same panel and truth; another seed a different one', async () => {
    const a = await simulateCityPanel({ ...small, seed: 7 });
    const b = await simulateCityPanel({ ...small, seed: 7 });
    const c = await simulateCityPanel({ ...small, seed: 8 });
    expect(tableToCsv(b.table)).toBe(tableToCsv(a.table));
    expect(Array.from(b.truth.epsilon)).toEqual(Array.from(a.truth.epsilon));
    expect(Array.from(b.truth.mu)).toEqual(Array.from(a.truth.mu));
    const pmA = a.table.getChild('pm25')!.toArray() as Float64Array;
    const pmC = c.table.getChild('pm25')!.toArray() as Float64Array;
    let same = 0;
    for (let r = 0; r < pmA.length; r++) if (pmA[r] === pmC[r]) same++;
    expect(same).toBe(0);
    expect(a.table.numRows).toBe(30 * 6);
  });

  // A tester's report: 1,365 cities or more stopped with "duplicate city-year": a province with 100
  // cities gave city 100 the code of the next province's first city.
  it('city codes stay distinct past 99 cities a province; up to 99 they are province × 100 + number', async () => {
    const big = await simulateCityPanel({ cities: 3000, years: [2003, 2004], burnIn: 1, seed: 3 });
    const codes = new Set(Array.from(big.table.getChild('city')!.toArray() as ArrayLike<number>));
    expect(codes.size).toBe(3000);
    expect(codes.has(11001)).toBe(true); // Beijing's first city: three digits, as Guangdong has 221 cities
    const a = await simulateCityPanel({ ...small, seed: 7 });
    expect(Math.min(...(a.table.getChild('city')!.toArray() as Float64Array))).toBeLessThan(10000);
  });

  it('rejects impossible options with SpecError naming the option', async () => {
    await expect(simulateCityPanel({ ...small, seed: 1, cities: 1 })).rejects.toThrow(/--cities must be an integer >= 2/);
    await expect(simulateCityPanel({ ...small, seed: 1, years: [2010, 2003] })).rejects.toThrow(/--years/);
    await expect(simulateCityPanel({ ...small, seed: -3 })).rejects.toThrow(SpecError);
    await expect(simulateCityPanel({ ...small, seed: 1, burnIn: 0 })).rejects.toThrow(/--burn-in/);
    await expect(simulateCityPanel({ ...small, seed: 1, efficiency: 'malmquist' })).rejects.toThrow(/Malmquist/);
  });

  it('zero effects: ln PM2.5 then does not depend on CA or EFF (same draws otherwise)', async () => {
    const zero = { beta: { ca: 0, eff: 0, interaction: 0 } };
    const a = await simulateCityPanel({ ...small, seed: 3, parameters: zero });
    const b = await simulateCityPanel({ ...small, seed: 3 });
    expect(Array.from(a.truth.ca)).toEqual(Array.from(b.truth.ca));
    expect(a.truth.byYear[5].inland).toEqual({ ca: 0, eff: 0, interaction: 0 });
    expect(tableToCsv(a.table)).not.toBe(tableToCsv(b.table));
  });
});

describe('provinces', () => {
  it('the 285-city panel: 31 provinces, 101 cities in the 11 coastal ones, 4 municipalities', () => {
    expect(PROVINCES).toHaveLength(31);
    expect(PROVINCES.filter((p) => p.coastal).map((p) => p.name).sort()).toEqual([...COASTAL_PROVINCES].sort());
    expect(allocateCities(285)).toEqual(PROVINCES.map((p) => p.cities));
    expect(PROVINCES.filter((p) => p.coastal).reduce((s, p) => s + p.cities, 0)).toBe(101);
    expect(PROVINCES.filter((p) => p.municipality).map((p) => p.name)).toEqual(['Beijing', 'Tianjin', 'Shanghai', 'Chongqing']);
  });
  it('other sizes keep the mix by largest remainders', () => {
    const c = allocateCities(100);
    expect(c.reduce((a, b) => a + b, 0)).toBe(100);
    // Guangdong (21/285·100 = 7.37) gets 7, Hebei (3.86) gets 4, Chongqing (0.35) gets 0
    expect(c[PROVINCES.findIndex((p) => p.name === 'Guangdong')]).toBe(7);
    expect(c[PROVINCES.findIndex((p) => p.name === 'Hebei')]).toBe(4);
    expect(c[PROVINCES.findIndex((p) => p.name === 'Chongqing')]).toBe(0);
  });
});

describe('tableToCsv', () => {
  it('quotes text with commas or quotes, writes NaN as empty, numbers round-trip', () => {
    const t = tableFromColumns([
      { name: 'name', data: utf8FromStrings(['a,b', 'say "hi"', null]) },
      { name: 'x', data: float64Data(Float64Array.from([0.1 + 0.2, NaN, 1e-7])) },
    ]);
    expect(tableToCsv(t)).toBe('name,x\n"a,b",0.30000000000000004\n"say ""hi""",\n,1e-7\n');
  });
});

describe(`bundled panel ${PANEL} (seed ${SEED})`, () => {
  let panel: Panel;
  let truth: SimulationTruth;
  let stored: Record<string, unknown> & { mu: number[]; logPmBefore: number[]; centring: { ca: number; eff: number } };
  const col = (name: string) => panel.column(name);

  beforeAll(async () => {
    panel = Panel.fromTable(readCsv(PANEL), { id: 'city', time: 'year', source: PANEL });
    truth = (await simulateCityPanel({ cities: 285, years: [2003, 2016], seed: SEED })).truth;
    stored = JSON.parse(readFileSync(TRUTH, 'utf8'));
  }, 60_000);

  it('is what `sysgmm simulate --seed 20260101` writes today', async () => {
    // Raw columns exactly; pm25 to 1e-9 relative (it passes through DEA and exp/log, so a
    // last-digit change in a solver must not fail this, but any change to the DGP must).
    const { table } = await simulateCityPanel({ cities: 285, years: [2003, 2016], seed: SEED });
    const file = readCsv(PANEL);
    expect(table.schema.fields.map((f) => f.name)).toEqual(file.schema.fields.map((f) => f.name));
    for (const f of table.schema.fields) {
      const a = table.getChild(f.name)!.toArray();
      const b = file.getChild(f.name)!.toArray();
      if (f.name !== 'pm25') expect(Array.from(a as ArrayLike<unknown>), f.name).toEqual(Array.from(b as ArrayLike<unknown>));
      else {
        let worst = 0;
        for (let r = 0; r < a.length; r++) worst = Math.max(worst, Math.abs((a[r] as number) / (b[r] as number) - 1));
        expect(worst).toBeLessThan(1e-9);
      }
    }
    expect(stored.mu).toEqual(Array.from(truth.mu));
    expect(stored.centring).toEqual(truth.centring);
  }, 60_000);

  it('shape: 285 cities × 14 years, all columns, 101 coastal cities, no missing values, PM2.5 > 0', () => {
    expect(panel.nunits).toBe(285);
    expect(panel.nrows).toBe(3990);
    expect(readFileSync(PANEL, 'utf8').slice(0, 2000).split('\n')[0]).toBe(COLUMNS.join(','));
    for (let u = 0; u < 285; u++) expect(panel.offsets[u + 1] - panel.offsets[u]).toBe(14);
    expect(panel.timeRange).toEqual([2003, 2016]);
    for (const name of panel.numericNames()) expect(col(name).every((v) => Number.isFinite(v)), name).toBe(true);
    expect(col('pm25').every((v) => v > 0)).toBe(true);
    const coastal = col('coastal');
    const province = panel.textColumn('province');
    let coastalRows = 0;
    for (let r = 0; r < panel.nrows; r++) {
      expect(coastal[r]).toBe(COASTAL_PROVINCES.includes(province[r]!) ? 1 : 0);
      coastalRows += coastal[r];
    }
    expect(coastalRows / 14).toBe(101);
  });

  it('CA1 from first principles (LQ with per-year sample sums) equals the CA the DGP used', () => {
    // LQ_ij = (e_ij/e_j)/(e_i/e); producer services = F,G,J,L,M; manufacturing = C; e_j = all 19 sectors.
    const sectors = COLUMNS.filter((c) => c.startsWith('emp_'));
    const ps = ['emp_transport', 'emp_ict', 'emp_finance', 'emp_leasing', 'emp_research'].map(col);
    const m = col('emp_manuf');
    const all = sectors.map(col);
    const year = col('year');
    const n = panel.nrows;
    const s = new Float64Array(n);
    const tot = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      for (const c of ps) s[r] += c[r];
      for (const c of all) tot[r] += c[r];
    }
    const sums = new Map<number, [number, number, number]>();
    for (let r = 0; r < n; r++) {
      const acc = sums.get(year[r]) ?? [0, 0, 0];
      acc[0] += s[r];
      acc[1] += m[r];
      acc[2] += tot[r];
      sums.set(year[r], acc);
    }
    let maxDiff = 0;
    for (let r = 0; r < n; r++) {
      const [S, M, E] = sums.get(year[r])!;
      const lqs = s[r] / tot[r] / (S / E);
      const lqm = m[r] / tot[r] / (M / E);
      const ca1 = 1 - Math.abs(lqs - lqm) / (lqs + lqm);
      maxDiff = Math.max(maxDiff, Math.abs(ca1 - truth.ca[r]));
    }
    expect(maxDiff).toBeLessThan(1e-12);
  });

  it("CA and EFF recomputed from the file's raw columns with the study functions equal the DGP's", async () => {
    const idx = panelIndices(panel);
    expect(idx.warnings).toEqual([]);
    const eff = await panelEfficiency(panel, { capital: 'manuf_capital', labour: 'manuf_labour', output: 'manuf_output' }, ['dea-ccr-in']);
    expect(eff.warnings).toEqual([]);
    let dCa = 0;
    let dEff = 0;
    for (let r = 0; r < panel.nrows; r++) {
      dCa = Math.max(dCa, Math.abs(idx.columns.CA1[r] - truth.ca[r]));
      dEff = Math.max(dEff, Math.abs(eff.columns.dea_ccr_in[r] - truth.eff[r]));
    }
    expect(dCa).toBeLessThan(1e-12);
    expect(dEff).toBeLessThan(1e-9);
    // The indices vary within cities over time, not only across them.
    const within = (v: Float64Array) => {
      let ss = 0;
      for (let u = 0; u < panel.nunits; u++) {
        const [a, b] = [panel.offsets[u], panel.offsets[u + 1]];
        let mean = 0;
        for (let r = a; r < b; r++) mean += v[r] / (b - a);
        for (let r = a; r < b; r++) ss += (v[r] - mean) ** 2;
      }
      return Math.sqrt(ss / panel.nrows);
    };
    expect(within(truth.ca)).toBeGreaterThan(0.05);
    expect(within(truth.eff)).toBeGreaterThan(0.05);
  }, 60_000);

  it('the DGP is the documented one: ln PM − (ρ L.ln PM + model + μ + λ) is ε, N(0, 0.05²), exogenous', () => {
    const { mu, logPmBefore, centring } = stored;
    const pm = col('pm25');
    const year = col('year');
    const coastal = col('coastal');
    const epsHat = new Float64Array(panel.nrows);
    for (let u = 0; u < panel.nunits; u++) {
      for (let r = panel.offsets[u]; r < panel.offsets[u + 1]; r++) {
        const lag = r === panel.offsets[u] ? logPmBefore[u] : Math.log(pm[r - 1]);
        const mult = (1 + (GROWTH * (year[r] - 2003)) / 13) * (coastal[r] ? 1 : INLAND);
        const ca = truth.ca[r] - centring.ca;
        const eff = truth.eff[r] - centring.eff;
        const lg = Math.log(col('gdppc')[r]);
        const model =
          mult * (BETA.ca * ca + BETA.eff * eff + BETA.interaction * ca * eff) +
          GAMMA.lngdppc * lg + GAMMA.lngdppc2 * lg * lg + GAMMA.lnpopden * Math.log(col('popden')[r]) +
          GAMMA.secondary * col('secondary')[r] + GAMMA.fdi * col('fdi')[r] + GAMMA.tech * col('tech')[r] + GAMMA.envreg * col('envreg')[r];
        epsHat[r] = Math.log(pm[r]) - RHO * lag - model - mu[u] - LAMBDA[year[r] - 2003];
      }
    }
    let maxDiff = 0;
    for (let r = 0; r < panel.nrows; r++) maxDiff = Math.max(maxDiff, Math.abs(epsHat[r] - truth.epsilon[r]));
    expect(maxDiff).toBeLessThan(1e-9);
    const n = panel.nrows;
    const mean = epsHat.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(epsHat.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
    expect(Math.abs(mean)).toBeLessThan((3 * SIGMA) / Math.sqrt(n));
    expect(Math.abs(sd / SIGMA - 1)).toBeLessThan(0.04); // sd of the sample sd ≈ 1/√(2n) = 1.1%
    // ε is uncorrelated with CA, EFF and its own lag (|corr| < 3/√n ≈ 0.05)
    const corr = (a: ArrayLike<number>, b: ArrayLike<number>, rows: number[]) => {
      let ma = 0, mb = 0;
      for (const r of rows) (ma += a[r] / rows.length, mb += b[r] / rows.length);
      let sab = 0, saa = 0, sbb = 0;
      for (const r of rows) (sab += (a[r] - ma) * (b[r] - mb), saa += (a[r] - ma) ** 2, sbb += (b[r] - mb) ** 2);
      return sab / Math.sqrt(saa * sbb);
    };
    const allRows = Array.from({ length: n }, (_, r) => r);
    expect(Math.abs(corr(epsHat, truth.ca, allRows))).toBeLessThan(0.05);
    expect(Math.abs(corr(epsHat, truth.eff, allRows))).toBeLessThan(0.05);
    const lagged = allRows.filter((r) => year[r] > 2003);
    expect(Math.abs(corr(epsHat, Array.from(epsHat, (_, r) => (r > 0 ? epsHat[r - 1] : NaN)), lagged))).toBeLessThan(0.05);
  });

  it('initial conditions are stationary: the change in ln PM over the sample is unrelated to μ_i', () => {
    // Blundell–Bond level moments need E[Δy_it μ_i] = 0. A start away from the stationary mean
    // μ_i/(1−ρ) + … would make each city drift towards it, so its drift would track μ_i.
    const pm = col('pm25');
    const drift = Array.from({ length: panel.nunits }, (_, u) => Math.log(pm[panel.offsets[u + 1] - 1]) - Math.log(pm[panel.offsets[u]]));
    const mu = stored.mu;
    const md = drift.reduce((a, b) => a + b, 0) / drift.length;
    const mm = mu.reduce((a, b) => a + b, 0) / mu.length;
    let sab = 0, saa = 0, sbb = 0;
    for (let u = 0; u < drift.length; u++) (sab += (drift[u] - md) * (mu[u] - mm), saa += (drift[u] - md) ** 2, sbb += (mu[u] - mm) ** 2);
    expect(Math.abs(sab / Math.sqrt(saa * sbb))).toBeLessThan(0.18); // 3/√285
  });

  it('truth: coefficients by year and region as documented, averages over 2004–2016', () => {
    expect(truth.byYear[0]).toEqual({ year: 2003, coastal: BETA, inland: { ca: -0.375, eff: -0.375, interaction: -0.375 } });
    const last = truth.byYear[13];
    expect(last.coastal.ca).toBeCloseTo(-0.375, 14);
    expect(last.inland.interaction).toBeCloseTo(-0.5625, 14);
    // average multiplier: (1 + 0.5·mean(τ over 2004–2016) = 7/13) × (101·1 + 184·1.5)/285
    const avg = (1 + (0.5 * 7) / 13) * ((101 + 184 * 1.5) / 285);
    expect(truth.average.all.ca).toBeCloseTo(-0.25 * avg, 12);
    // uncentred: b1 − b3·mean(EFF), b2 − b3·mean(CA), for a coastal city in 2003
    expect(truth.byYearUncentred[0].coastal.ca).toBeCloseTo(-0.25 + 0.25 * truth.centring.eff, 14);
    expect(truth.byYearUncentred[0].coastal.eff).toBeCloseTo(-0.25 + 0.25 * truth.centring.ca, 14);
    expect(truth.lambda).toEqual(LAMBDA);
    expect(truth.centring.years).toEqual([2004, 2016]);
  });
});

describe('sysgmm simulate (CLI)', () => {
  it('writes the CSV and truth JSON and prints the summary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sysgmm-sim-'));
    const out = join(dir, 'p.csv');
    const text = await runSimulate({ cities: '20', years: '2003-2006', seed: '5', out, truth: join(dir, 't.json'), burnIn: '5', efficiency: 'dea-ccr-in' });
    expect(text).toMatch(/^simulated 20 cities \(\d+ coastal\) × 4 years \(2003–2006\) = 80 rows, seed 5, 5 burn-in years/);
    expect(readFileSync(out, 'utf8').split('\n')[0]).toBe(COLUMNS.join(','));
    expect(JSON.parse(readFileSync(join(dir, 't.json'), 'utf8')).mu).toHaveLength(20);
    await expect(runSimulate({ cities: '20', years: '2003', seed: '5', out, burnIn: '5', efficiency: 'dea-ccr-in' })).rejects.toThrow(/--years must look like 2003-2016/);
    await expect(runSimulate({ cities: '20', years: '2003-2006', seed: '5', out: 'x.parquet', burnIn: '5', efficiency: 'dea-ccr-in' })).rejects.toThrow(/--out must be a .csv/);
  });
});

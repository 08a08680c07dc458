import { describe, expect, it } from 'vitest';
import { tableFromArrays } from 'apache-arrow';
import { Panel } from '../src/panel/panel.ts';
import { deaByYear, deaScores, Frontier, loadHighs, type DeaModel, type Technology } from '../src/study/dea.ts';
import { malmquist } from '../src/study/malmquist.ts';
import { efficiencyMeasures, labourProductivity, panelEfficiency, parseEfficiencyMeasures } from '../src/study/efficiency.ts';
import { SpecError } from '../src/errors.ts';

const CCR_IN: DeaModel = { returns: 'crs', orientation: 'input' };
const CCR_OUT: DeaModel = { returns: 'crs', orientation: 'output' };
const BCC_IN: DeaModel = { returns: 'vrs', orientation: 'input' };
const BCC_OUT: DeaModel = { returns: 'vrs', orientation: 'output' };
const ALL = [CCR_IN, CCR_OUT, BCC_IN, BCC_OUT];

const tech = (inputs: number[][], outputs: number[][]): Technology => ({ inputs: inputs.map((v) => Float64Array.from(v)), outputs: outputs.map((v) => Float64Array.from(v)) });

// Deterministic pseudo-random numbers (LCG) so the property tests are reproducible.
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function expectClose(actual: ArrayLike<number>, expected: number[], tol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (Number.isNaN(expected[i])) expect(actual[i], `index ${i}`).toBeNaN();
    else expect(Math.abs(actual[i] - expected[i]), `index ${i}: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(tol);
  }
}

describe('DEA scores', () => {
  it('1 input, 1 output CCR: score = (y/x) / max(y/x), both orientations', async () => {
    const rnd = lcg(1);
    const x = Array.from({ length: 40 }, () => 1 + 9 * rnd());
    const y = x.map((v) => v * (0.2 + rnd()));
    const ratio = y.map((v, j) => v / x[j]);
    const best = Math.max(...ratio);
    const expected = ratio.map((r) => r / best);
    for (const model of [CCR_IN, CCR_OUT]) expectClose((await deaScores(tech([x], [y]), model)).efficiency, expected, 1e-7);
  });

  it('2 inputs, 1 output CCR input-oriented, solved geometrically on the unit isoquant', async () => {
    // Units A–F with y = 1 and inputs (x1, x2) (the data of Cooper, Seiford & Tone's two-input
    // illustration). The efficient isoquant runs E(2,4)–D(4,2)–C(8,1), then horizontally to F(10,1).
    // A(4,3): the ray through A meets segment DE (x1 + x2 = 6) at t·7 = 6 → 6/7.
    // B(7,3): the ray meets segment DC (x1 + 4·x2 = 12) at t·19 = 12 → 12/19.
    // F(10,1) lies on the horizontal extension of C: radially efficient (θ = 1, with an x1 slack).
    const x1 = [4, 7, 8, 4, 2, 10];
    const x2 = [3, 3, 1, 2, 4, 1];
    const y = [1, 1, 1, 1, 1, 1];
    const res = await deaScores(tech([x1, x2], [y]), CCR_IN);
    expectClose(res.efficiency, [6 / 7, 12 / 19, 1, 1, 1, 1], 1e-7);
    expect(res.warnings).toEqual([]);
  });

  it('matches DEAP 2.1 example EG1 (Coelli 1996, CEPA WP 96/08): CRS input-oriented, printed te', async () => {
    // eg1-dta.txt: columns y, x1, x2 for five firms; printed te = 0.500 1.000 0.833 0.714 1.000.
    // (The printed targets, e.g. firm 4 → (2.143, 1.429) = 0.714·(3, 2), confirm the data.)
    const y = [1, 2, 3, 1, 2];
    const x1 = [2, 2, 6, 3, 6];
    const x2 = [5, 4, 6, 2, 2];
    const res = await deaScores(tech([x1, x2], [y]), CCR_IN);
    expectClose(res.efficiency, [0.5, 1, 0.833, 0.714, 1], 5e-4);
    expectClose(res.efficiency, [0.5, 1, 5 / 6, 5 / 7, 1], 1e-7); // exact values behind the print
  });

  it('matches DEAP 2.1 example EG4 (Coelli 1996): CRS and output-oriented VRS te per year', async () => {
    // eg4-dta.txt, one output and one input, 5 firms × 3 years (years 2 and 3 identical).
    // Printed "crs te rel to tech in yr t" and "vrs te" (output orientation), per year.
    const year1 = tech([[2, 4, 3, 5, 6]], [[1, 2, 3, 4, 5]]);
    const year2 = tech([[2, 4, 3, 5, 5]], [[1, 3, 4, 3, 5]]);
    expectClose((await deaScores(year1, CCR_IN)).efficiency, [0.5, 0.5, 1, 0.8, 0.833], 5e-4);
    expectClose((await deaScores(year1, BCC_OUT)).efficiency, [1, 0.545, 1, 0.923, 1], 5e-4);
    expectClose((await deaScores(year2, CCR_IN)).efficiency, [0.375, 0.563, 1, 0.45, 0.75], 5e-4);
    expectClose((await deaScores(year2, BCC_OUT)).efficiency, [1, 0.667, 1, 0.6, 1], 5e-4);
    // Geometric check of the output-oriented BCC values: firm 2 (x=4, y=2) against the segment
    // (3,3)–(6,5): y* = 3 + 2/3 → 2/(11/3) = 6/11; firm 4 (x=5, y=4): y* = 13/3 → 12/13.
    expectClose((await deaScores(year1, BCC_OUT)).efficiency, [1, 6 / 11, 1, 12 / 13, 1], 1e-7);
  });

  it('1 input, 1 output BCC input-oriented, solved by hand on the VRS frontier', async () => {
    // Frontier (2,1)–(3,3)–(6,5). Firm 2 (x=4, y=2): the segment (2,1)–(3,3) reaches y=2 at x=2.5 → 0.625.
    // Firm 4 (x=5, y=4): the segment (3,3)–(6,5) reaches y=4 at x=4.5 → 0.9.
    const year1 = tech([[2, 4, 3, 5, 6]], [[1, 2, 3, 4, 5]]);
    expectClose((await deaScores(year1, BCC_IN)).efficiency, [1, 0.625, 1, 0.9, 1], 1e-7);
  });

  it('BCC ≥ CCR, CCR output = CCR input, all scores in (0, 1], on random 2-input 2-output data', async () => {
    const rnd = lcg(7);
    const n = 120;
    const x1 = Array.from({ length: n }, () => 1 + 20 * rnd());
    const x2 = Array.from({ length: n }, () => 1 + 5 * rnd());
    const y1 = x1.map((v, j) => Math.pow(v, 0.6) * Math.pow(x2[j], 0.5) * Math.exp(-0.5 * rnd()));
    const y2 = x2.map((v) => 3 * v * (0.3 + rnd()));
    const t = tech([x1, x2], [y1, y2]);
    const [ccrIn, ccrOut, bccIn, bccOut] = await Promise.all(ALL.map(async (m) => (await deaScores(t, m)).efficiency));
    for (let j = 0; j < n; j++) {
      expect(Math.abs(ccrIn[j] - ccrOut[j])).toBeLessThan(1e-7);
      expect(bccIn[j]).toBeGreaterThanOrEqual(ccrIn[j] - 1e-9);
      expect(bccOut[j]).toBeGreaterThanOrEqual(ccrOut[j] - 1e-9);
      for (const v of [ccrIn[j], bccIn[j], bccOut[j]]) expect(v > 0 && v <= 1).toBe(true);
    }
    // Not trivially all ones: the CCR frontier is spanned by a few units.
    expect(ccrIn.filter((v) => v > 1 - 1e-9).length).toBeLessThan(n / 4);
  });

  it('the persistent-model scores equal a fresh CPLEX-LP-format solve per unit (independent formulation)', async () => {
    const highs = await loadHighs();
    const rnd = lcg(11);
    const n = 25;
    const X = [Array.from({ length: n }, () => 1 + 9 * rnd()), Array.from({ length: n }, () => 1 + 9 * rnd())];
    const Y = [Array.from({ length: n }, () => 1 + 9 * rnd()), Array.from({ length: n }, () => 1 + 9 * rnd())];
    for (const model of ALL) {
      const scores = (await deaScores(tech(X, Y), model)).efficiency;
      for (let o = 0; o < n; o++) {
        const lam = (coef: number[]) => coef.map((c, j) => `+ ${c} l${j}`).join(' ');
        const input = model.orientation === 'input';
        let lp = `${input ? 'Minimize' : 'Maximize'}\n obj: s\nSubject To\n`;
        X.forEach((x, i) => (lp += ` in${i}: ${lam(x)} ${input ? `- ${x[o]} s <= 0` : `<= ${x[o]}`}\n`));
        Y.forEach((y, r) => (lp += ` out${r}: ${lam(y)} ${input ? `>= ${y[o]}` : `- ${y[o]} s >= 0`}\n`));
        if (model.returns === 'vrs') lp += ` conv: ${lam(Array(n).fill(1))} = 1\n`;
        lp += 'End\n';
        const sol = highs.solve(lp);
        expect(sol.Status).toBe('Optimal');
        const expected = input ? sol.ObjectiveValue : 1 / sol.ObjectiveValue;
        expect(Math.abs(scores[o] - expected)).toBeLessThan(1e-7);
      }
    }
  });

  it('a unit outside the reference set can score above 1 (CRS, input-oriented)', async () => {
    const highs = await loadHighs();
    const f = Frontier.build(highs, tech([[2, 4]], [[1, 2]]), CCR_IN); // best y/x = 0.5
    try {
      expect(f.efficiency([2], [2])).toBeCloseTo(2, 9); // y/x = 1 → θ = 1/0.5
      expect(f.efficiency([4], [1])).toBeCloseTo(0.5, 9);
    } finally {
      f.dispose();
    }
  });

  it('missing, zero or negative inputs/outputs give NaN, are left out of the frontier and are counted', async () => {
    const x = [2, NaN, 3, 0, 4];
    const y = [1, 5, 3, 9, -1];
    const res = await deaScores(tech([x], [y]), CCR_IN);
    expectClose(res.efficiency, [0.5, NaN, 1, NaN, NaN], 1e-9);
    expect(res.warnings).toEqual([
      { measure: 'dea_ccr_in', cityYears: 3, reasons: { 'missing or non-positive input/output': 3 }, message: 'dea_ccr_in missing for 3 city-year(s) (3 missing or non-positive input/output)' },
    ]);
  });

  it('deaByYear: each year has its own frontier', async () => {
    // Year 2011 doubles every output: pooled, all 2010 units would score ≤ 0.5; per year, both
    // years give the same scores.
    const x = [2, 4, 3, 5, 6];
    const y = [1, 2, 3, 4, 5];
    // Interleave the years to check that rows are aligned back.
    const year: number[] = [];
    const rowsX: number[] = [];
    const rowsY: number[] = [];
    for (let j = 0; j < 5; j++) {
      year.push(2011, 2010);
      rowsX.push(x[j], x[j]);
      rowsY.push(2 * y[j], y[j]);
    }
    const data = { year, inputs: [rowsX], outputs: [rowsY] };
    const res = await deaByYear(data, CCR_IN);
    const expected = [0.5, 0.5, 1, 0.8, 5 / 6].flatMap((v) => [v, v]);
    expectClose(res.efficiency, expected, 1e-7);
  });
});

describe('Malmquist index', () => {
  it('1 input, 1 output CRS, by hand: MI = productivity ratio, TC = frontier shift, MI = EC × TC', async () => {
    // Frontier productivity (max y/x): 2010: 1.0 (city c), 2011: 1.5 (city c). D^t(x, y) = (y/x)/a_t.
    // City a: y/x 0.5 → 0.9. EC = (0.9/1.5)/(0.5/1) = 1.2; TC = 1.5/1 = 1.5; MI = 0.9/0.5 = 1.8.
    // City b: y/x 0.8 → 0.6. EC = (0.6/1.5)/0.8 = 0.5; MI = 0.75.
    // City d is missing in 2010; city e has zero output in 2011.
    const city = ['a', 'b', 'c', 'e', 'a', 'b', 'c', 'd', 'e'];
    const year = [2010, 2010, 2010, 2010, 2011, 2011, 2011, 2011, 2011];
    const x = [2, 5, 3, 4, 10, 5, 2, 1, 4];
    const y = [1, 4, 3, 2, 9, 3, 3, 1, 0];
    const res = await malmquist({ city, year, inputs: [x], outputs: [y] });
    const N = NaN;
    expectClose(res.mi, [N, N, N, N, 1.8, 0.75, 1.5, N, N], 1e-7);
    expectClose(res.ec, [N, N, N, N, 1.2, 0.5, 1, N, N], 1e-7);
    expectClose(res.tc, [N, N, N, N, 1.5, 1.5, 1.5, N, N], 1e-7);
    expectClose(res.own, [0.5, 0.8, 1, 0.5, 0.6, 0.4, 1, 2 / 3, N], 1e-7);
    expect(res.warnings.map((w) => [w.measure, w.cityYears, w.reasons])).toEqual(
      ['malmquist', 'malmquist_ec', 'malmquist_tc'].map((m) => [
        m,
        6,
        { 'first year (no previous year)': 4, 'city missing or invalid in the previous year': 1, 'missing or non-positive input/output': 1 },
      ]),
    );
  });

  it('a year absent for every city: the 2-year change is kept on the later row and warned of, with the pair of years and its count; biennial data are not (a tester saw 2004→2006 stored silently)', async () => {
    // The by-hand panel of the first test, its years 2010 → 2012 with 2011 absent from the data,
    // plus a third year 2013 one step after.
    const city = ['a', 'b', 'c', 'a', 'b', 'c', 'a', 'b', 'c'];
    const x = [2, 5, 3, 10, 5, 2, 10, 5, 2];
    const y = [1, 4, 3, 9, 3, 3, 9, 3, 3];
    const gap = await malmquist({ city, year: [2010, 2010, 2010, 2012, 2012, 2012, 2013, 2013, 2013], inputs: [x], outputs: [y] });
    const N = NaN;
    expectClose(gap.mi, [N, N, N, 1.8, 0.75, 1.5, 1, 1, 1], 1e-7);
    const spans = gap.warnings.filter((w) => !w.message.includes('missing for'));
    expect(spans.map((w) => [w.measure, w.cityYears, w.reasons, w.message])).toEqual([
      [
        'malmquist',
        3,
        { '2010→2012': 3 },
        'malmquist, malmquist_ec and malmquist_tc of 3 city-year(s) compare years more than one step (1) apart, no year between being in the data: 2010→2012 (3); each is the change over the whole span, on the later year\'s row',
      ],
    ]);
    // Every second year: the step is 2, nothing is warned of beyond the first year.
    const biennial = await malmquist({ city, year: [2010, 2010, 2010, 2012, 2012, 2012, 2014, 2014, 2014], inputs: [x], outputs: [y] });
    expect(biennial.warnings.map((w) => w.message)).toEqual(['malmquist', 'malmquist_ec', 'malmquist_tc'].map((m) => `${m} missing for 3 city-year(s) (3 first year (no previous year))`));
  });

  it('matches DEAP 2.1 example EG4 (Coelli 1996): printed effch, techch, tfpch', async () => {
    const x = [2, 4, 3, 5, 6, 2, 4, 3, 5, 5, 2, 4, 3, 5, 5];
    const y = [1, 2, 3, 4, 5, 1, 3, 4, 3, 5, 1, 3, 4, 3, 5];
    const city = [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2, 3, 4, 5];
    const year = [1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3];
    const res = await malmquist({ city, year, inputs: [x], outputs: [y] });
    // Year 2 (printed): effch 0.750 1.125 1.000 0.562 0.900; techch 1.333; tfpch 1.000 1.500 1.333 0.750 1.200.
    expectClose(res.ec.slice(5, 10), [0.75, 1.125, 1, 0.562, 0.9], 6e-4);
    expectClose(res.tc.slice(5, 10), [1.333, 1.333, 1.333, 1.333, 1.333], 5e-4);
    expectClose(res.mi.slice(5, 10), [1, 1.5, 1.333, 0.75, 1.2], 5e-4);
    // Year 3 repeats year 2: no change.
    expectClose(res.mi.slice(10), [1, 1, 1, 1, 1], 1e-7);
    for (let r = 5; r < 15; r++) expect(Math.abs(res.mi[r] - res.ec[r] * res.tc[r])).toBeLessThan(1e-12);
  });
});

describe('labour productivity and the measure facade', () => {
  it('output/labour with missing, zero labour and negative output counted', () => {
    const res = labourProductivity([10, NaN, 5, -1, 0], [2, 3, 0, 4, 5]);
    expectClose(res.values, [5, NaN, NaN, NaN, 0], 0);
    expect(res.warnings).toHaveLength(1);
    expect(res.warnings[0].reasons).toEqual({ 'missing output or labour': 1, 'non-positive labour': 1, 'negative output': 1 });
  });

  it('parses measure lists and rejects unknown names', () => {
    expect(parseEfficiencyMeasures('dea-ccr-in, malmquist,dea-ccr-in')).toEqual(['dea-ccr-in', 'malmquist']);
    expect(() => parseEfficiencyMeasures('dea-crs')).toThrow(SpecError);
    expect(() => parseEfficiencyMeasures('dea-crs')).toThrow(/unknown efficiency measure 'dea-crs'/);
  });

  it('panelEfficiency computes each measure from capital, labour and output columns, aligned with panel rows', async () => {
    // Two cities, two years; city 2 uses twice city 1's capital and labour, so under CRS only y/l matters.
    const table = tableFromArrays({
      city: Float64Array.from([2, 1, 2, 1]),
      year: Float64Array.from([2011, 2011, 2010, 2010]),
      k: Float64Array.from([4, 2, 4, 2]),
      l: Float64Array.from([2, 1, 2, 1]),
      y: Float64Array.from([4, 4, 2, 1]),
    });
    const panel = Panel.fromTable(table, { id: 'city', time: 'year' });
    // Panel order: (1,2010), (1,2011), (2,2010), (2,2011). y/l: 2010: 1 and 1 → both efficient;
    // 2011: 4 and 2 → 1 and 0.5.
    const res = await panelEfficiency(panel, { capital: 'k', labour: 'l', output: 'y' }, ['labour-productivity', 'dea-ccr-in', 'dea-bcc-out', 'malmquist']);
    expect(res.names).toEqual(['lprod', 'dea_ccr_in', 'dea_bcc_out', 'malmquist', 'malmquist_ec', 'malmquist_tc']);
    expectClose(res.columns.lprod, [1, 4, 1, 2], 0);
    expectClose(res.columns.dea_ccr_in, [1, 1, 1, 0.5], 1e-7);
    expectClose(res.columns.dea_bcc_out, [1, 1, 1, 1], 1e-7);
    // Malmquist: productivity y/l; frontier 2010: 1, 2011: 4. City 1: 1 → 4 (MI 4, EC 1, TC 4);
    // city 2: 1 → 2 (MI 2, EC 0.5/1, TC 4).
    expectClose(res.columns.malmquist, [NaN, 4, NaN, 2], 1e-7);
    expectClose(res.columns.malmquist_ec, [NaN, 1, NaN, 0.5], 1e-7);
    expectClose(res.columns.malmquist_tc, [NaN, 4, NaN, 4], 1e-7);
    const direct = await efficiencyMeasures({ city: [1, 1, 2, 2], year: [2010, 2011, 2010, 2011], capital: [2, 2, 4, 4], labour: [1, 1, 2, 2], output: [1, 4, 2, 4] }, ['dea-ccr-in']);
    expectClose(direct.columns.dea_ccr_in, [1, 1, 1, 0.5], 1e-7);
    // A zero input leaves that city-year missing; a negative one is an error naming where it is.
    const zero = Panel.fromTable(tableFromArrays({ city: Float64Array.from([1, 1, 2, 2]), year: Float64Array.from([2010, 2011, 2010, 2011]), k: Float64Array.from([2, 0, 4, 4]), l: Float64Array.from([1, 1, 2, 2]), y: Float64Array.from([1, 4, 2, 4]) }), { id: 'city', time: 'year', source: 'm.csv' });
    expect(Number.isNaN((await panelEfficiency(zero, { capital: 'k', labour: 'l', output: 'y' }, ['dea-ccr-in'])).columns.dea_ccr_in[1])).toBe(true);
    const negative = zero.withColumn('k', Float64Array.from([2, -5, 4, 4]));
    await expect(panelEfficiency(negative, { capital: 'k', labour: 'l', output: 'y' }, ['dea-ccr-in'])).rejects.toThrow("negative manufacturing input -5 in column 'k' of m.csv (city 1, year 2011)");
  });
});

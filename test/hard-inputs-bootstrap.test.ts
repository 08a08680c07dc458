// Hard inputs to the bootstrap (issue 14): dependent and contradictory restriction sets, statistics that cannot be
// computed (shown as missing, never 0 or 1), too few replications, more threads than cores.
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { parseRestrictions, restrictionWald } from '../src/bootstrap/restrictions.ts';
import { fitGmm } from '../src/gmm/fit.ts';
import { summariseCoefficient, tooFewReplications, upperTailP } from '../src/bootstrap/intervals.ts';
import { bootstrapGmm, singularWarning } from '../src/bootstrap/run.ts';
import { bootstrapJson, formatBootstrapMarkdown, formatBootstrapText } from '../src/report/bootstrap.ts';
import { levelPercentLabel } from '../src/stats/confidence-level.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';
import { SpecError } from '../src/errors.ts';
import { loadAbdata } from './helpers/abdata.ts';

const NAMES = ['L1.n', 'w', 'k', 'x'];

describe('restriction sets', () => {
  it('refuses a restriction that contradicts an earlier one', () => {
    expect(() => parseRestrictions('w = 0, w = 1', NAMES)).toThrow(SpecError);
    expect(() => parseRestrictions('w = 0, w = 1', NAMES)).toThrow("--test 'w = 0, w = 1': 'w = 1' contradicts 'w = 0'");
  });
  it("drops a restriction implied by earlier ones, however written, as Stata's test drops it (Constraint 2 dropped)", async () => {
    const panel = await loadAbdata();
    const fit = await fitGmm(panel, parseXtabond2('n L.n L(0/1).(w k) yr*, gmm(L.(n w k), collapse) iv(yr*, eq(level)) twostep robust', panel.variables()));
    const names = fit.coefficients.map((c) => c.name);
    const wald = (text: string) => restrictionWald(fit, parseRestrictions(text, names), '--test');
    for (const [text, same, dropped] of [
      ['w = 0, 2*w = 0', 'w = 0', ['2*w = 0']],
      ['w + k = 0, w - k = 0, w = 0', 'w + k = 0, w - k = 0', ['w = 0']],
      ['w + k = 1, w - k = 0, w = 0.5', 'w + k = 1, w - k = 0', ['w = 0.5']],
    ] as const) {
      const t = wald(text);
      const u = wald(same);
      expect(t.droppedConstraints).toEqual(dropped);
      expect([t.df1, t.kept.parts]).toEqual([u.df1, u.kept.parts]);
      expect(t.stat).toBeCloseTo(u.stat, 8);
    }
    // The tester's numbers for Stata's test (w=0) (2*w=0) on this fit: chi2(1) = 8.917, p = 0.00283.
    expect(wald('w = 0, 2*w = 0').stat).toBeCloseTo(8.917, 3);
  });
  it('keeps independent restrictions with their count', () => {
    const t = parseRestrictions('w + k = 1, w - k = 0, x = 0', NAMES);
    expect(t.q).toBe(3);
    expect([...t.r]).toEqual([1, 0, 0]);
  });
});

describe('statistics that cannot be computed', () => {
  it('no usable replication gives missing (NaN) SE, intervals and p-values, not 0 and 1', () => {
    const c = summariseCoefficient('w', -0.5, 0.1, [], []);
    expect([c.bootSe, c.p, c.percentile.low, c.basic.high, c.studentized!.low]).toEqual([NaN, NaN, NaN, NaN, NaN]);
    const one = summariseCoefficient('w', -0.5, 0.1, [NaN, -0.4, Infinity], null);
    expect([one.bootSe, one.p]).toEqual([NaN, NaN]);
    expect(upperTailP(3, [NaN, NaN])).toBeNaN();
  });
  it('a report of a run where no replication succeeded prints "." and JSON null', async () => {
    const panel = await loadAbdata();
    const spec = parseXtabond2('n L.n w k, gmm(L.n, collapse) iv(w k) twostep robust', ['n', 'w', 'k']);
    const run = await bootstrapGmm(panel, spec, { reps: 49, seed: 1, backend: 'float64-ts', threads: 1 });
    // The same run as if every replication had failed: the summaries of zero draws.
    const failed = {
      ...run,
      used: 0,
      failed: { singular: 49, nonFinite: 0 },
      coefficients: run.fit.coefficients.map((c) => summariseCoefficient(c.name, c.estimate, c.se, [], [])),
    };
    const text = formatBootstrapText(failed, ['percentile']);
    const row = text.split('\n').find((l) => l.trimStart().startsWith('w |'))!;
    // Coef. and Corrected SE of the fit, then Boot SE, p and both interval ends missing.
    expect(row.trim().split(/\s+/).slice(2)).toEqual(['-.3683856', '.1544791', '.', '.', '.', '.', '(P)']);
    const json = JSON.parse(JSON.stringify(bootstrapJson(failed)));
    expect(json.coefficients[1]).toMatchObject({ name: 'w', bootSe: null, p: null });
  });
});

// A tester's report: "100 of 199 replications used a generalized inverse … so every replication's moment
// covariance is singular"; "every" now only where the count is all of them.
describe('singular replications', () => {
  it('says "every" only when every replication was singular', () => {
    const head = 'replications used a generalized inverse of a singular moment covariance and 11 failed (a coefficient not identified); such replications rest on rank decisions that rounding can tip, so their results differ between backends: 6 instruments against about 5 distinct clusters in a resample of 8';
    expect(singularWarning(100, 11, 199, 6, 8)).toBe(
      `100 of 199 ${head} on average, and a resample with fewer distinct clusters than instruments has a singular moment covariance; fewer instruments (collapse, lag limits) avoid it`,
    );
    expect(singularWarning(199, 11, 199, 6, 8)).toBe(`199 of 199 ${head}, so every replication's moment covariance is singular; fewer instruments (collapse, lag limits) avoid it`);
  });
});

// A tester's report: the README's own example printed w p = 0.068 beside a 95% (T) interval
// [−1.861, −0.330]: the p-value is symmetric, the interval equal-tailed; the footnote now says so.
describe('the p column\'s footnote', () => {
  it('names the symmetric bootstrap-t p-value, its formula, and that the equal-tailed (T) interval can disagree at 1 − level', async () => {
    const panel = await loadAbdata();
    const spec = parseXtabond2('n L.n w k, gmm(L.n, collapse) iv(w k) twostep robust level(90)', ['n', 'w', 'k']);
    const run = await bootstrapGmm(panel, spec, { reps: 19, seed: 3, backend: 'float64-ts', threads: 1 });
    const note = 'Boot P>|t|: symmetric bootstrap-t p-value of coef = 0, (#{|t*| >= |t|} + 1)/(B + 1); the (T) interval is equal-tailed, so it can exclude 0 while P > 0.1\n';
    expect(formatBootstrapText(run)).toContain(`(P) percentile   (B) basic   (T) studentized (bootstrap-t)\n${note}`);
    expect(formatBootstrapMarkdown(run)).toContain(`\n${note}`);
  });
});

// A tester's report: under twostep without robust the p column became a percentile p-value without the
// +1 (0.000), while the footnote still said "symmetric bootstrap-t".
describe('two-step without robust', () => {
  it('the p column is the percentile p-value with the +1, and the footnote says so', async () => {
    const panel = await loadAbdata();
    const spec = parseXtabond2('n L.n w k, gmm(L.n, collapse) iv(w k) twostep', ['n', 'w', 'k']);
    const run = await bootstrapGmm(panel, spec, { reps: 19, seed: 3, backend: 'float64-ts', threads: 1 });
    expect(run.coefficients.map((c) => [c.pKind, c.p])).toEqual([['percentile', 0.1], ['percentile', 0.1], ['percentile', 0.1], ['percentile', 0.1]]);
    expect(formatBootstrapText(run)).toContain(
      '(P) percentile   (B) basic   (T) studentized (bootstrap-t)\nBoot P>|t|: equal-tailed percentile p-value of coef = 0, 2*min(#{b* <= 0} + 1, #{b* >= 0} + 1)/(B + 1); no (T): uncorrected two-step SEs (no robust) are not used to studentize\n',
    );
    expect(formatBootstrapMarkdown(run)).toContain('\nBoot P>|t|: equal-tailed percentile p-value of coef = 0,');
  });
});

// A tester's report: level(99.9) printed "[100% Conf. Interval]" and "for 100% intervals" (the level
// rounded to whole percent); the label is now estimate's, 99.9.
describe('level labels', () => {
  it('label the level as estimate does, to its decimals: 99.9, and 57 for 0.57', async () => {
    const panel = await loadAbdata();
    const spec = parseXtabond2('n L.n w k, gmm(L.n, collapse) iv(w k) twostep robust level(99.9)', ['n', 'w', 'k']);
    const run = await bootstrapGmm(panel, spec, { reps: 99, seed: 1, backend: 'float64-ts', threads: 1 });
    expect(run.warnings).toEqual(['99 replications are too few for 99.9% intervals: their quantiles need at least 1999 (999 is usual)']);
    expect(formatBootstrapText(run, ['percentile'])).toContain('|      Coef.  Corrected    Boot SE  Boot P>|t| [99.9% Conf. Interval]\n');
    expect(formatBootstrapMarkdown(run, ['percentile'])).toContain('| Boot p | percentile 99.9% CI |');
    expect(levelPercentLabel(0.57)).toBe('57');
    expect(tooFewReplications(5, 0.57)).toBeNull();
    expect(tooFewReplications(3, 0.57)).toBe('3 replications are too few for 57% intervals: their quantiles need at least 4 (999 is usual)');
  });
});

describe('resources', () => {
  it('too few replications for the interval and more threads than cores give warnings, in the report too', async () => {
    const panel = await loadAbdata();
    const spec = parseXtabond2('n L.n w k, gmm(L.n, collapse) iv(w k) twostep robust', ['n', 'w', 'k']);
    const cores = availableParallelism();
    const run = await bootstrapGmm(panel, spec, { reps: 5, seed: 1, backend: 'float64-ts', threads: cores + 1000 });
    expect(run.threads).toBeLessThanOrEqual(cores);
    expect(run.warnings).toEqual([
      `--threads ${cores + 1000} is more than the ${cores} cores available; using ${cores}`,
      ...(cores > 1 ? [`ran on 1 of the ${cores} threads asked for: a thread takes 32 replications at a time, so 5 keep 1 busy`] : []),
      '5 replications are too few for 95% intervals: their quantiles need at least 39 (999 is usual)',
    ]);
    expect(formatBootstrapText(run)).toContain('Warning: 5 replications are too few for 95% intervals');
    // The errors' label is estimate's (Corrected for two-step Windmeijer, Robust, or plain Std. Err.).
    expect(formatBootstrapText(run)).toContain('|      Coef.  Corrected    Boot SE');
    const oneStep = await bootstrapGmm(panel, parseXtabond2('n L.n w k, gmm(L.n, collapse) iv(w k)', ['n', 'w', 'k']), { reps: 5, seed: 1, backend: 'float64-ts', threads: 1 });
    const text = formatBootstrapText(oneStep);
    expect(text).toContain('|      Coef.  Std. Err.    Boot SE');
    expect(text).toContain('Each replication re-estimates the one-step fit and the unadjusted errors;');
    const enough = await bootstrapGmm(panel, spec, { reps: 39, seed: 1, backend: 'float64-ts', threads: 1 });
    expect(enough.warnings).toEqual([]);
  });
  // A tester's report: 41 replications of which 5 failed left 36 for the intervals, under the 39 that
  // 95% needs, without a warning (it looked at the replications asked for).
  it('too few is judged on the replications used, failed ones left out', async () => {
    const panel = await loadAbdata();
    const spec = parseXtabond2('n L.n w k if id<=8, gmm(L.n, collapse lag(2 3)) iv(w k) twostep robust', ['n', 'w', 'k', 'id']);
    const run = await bootstrapGmm(panel, spec, { reps: 41, seed: 7, backend: 'float64-ts', threads: 1 });
    expect([run.used, run.failed.singular]).toEqual([36, 5]);
    expect(run.warnings[0]).toBe('36 replications used (of 41; 5 failed) are too few for 95% intervals: their quantiles need at least 39 (999 is usual)');
  });
});

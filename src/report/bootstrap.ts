// Reports of a bootstrap run: a text table in the spirit of Stata's `estat bootstrap, all`, Markdown,
// JSON, and an SVG/PNG histogram of each coefficient's replication estimates.
import type { TopLevelSpec } from 'vega-lite';
import type { BootstrapResult } from '../bootstrap/run.ts';
import type { ScoreTestResult } from '../bootstrap/score.ts';
import type { CoefficientBootstrap, Interval } from '../bootstrap/intervals.ts';
import { stataG } from './stata-format.ts';
import { noteLines, seLabel } from './text.ts';
import { levelPercentLabel } from '../stats/confidence-level.ts';

export type IntervalKind = 'percentile' | 'basic' | 'studentized';
export const INTERVAL_KINDS: readonly IntervalKind[] = ['percentile', 'basic', 'studentized'];

function header(r: BootstrapResult): string[] {
  const lines: string[] = [];
  if (r.method === 'pairs') {
    lines.push(
      `Pairs (cluster) bootstrap of ${r.fit.steps === 2 ? 'two' : 'one'}-step ${r.fit.estimator} GMM: ${r.reps} replications, seed ${r.seed}, ${r.clusters} clusters resampled`,
    );
    lines.push(
      `Each replication re-estimates the one-step fit${r.fit.steps === 2 ? ', the two-step weight matrix' : ''} and the ${r.fit.vce} errors; moments ${
        r.recentred ? 'recentred (Hall-Horowitz)' : 'not recentred'
      }`,
    );
    lines.push(`Backend: ${r.backend} (${r.precision}), ${r.threads} thread${r.threads === 1 ? '' : 's'}   Replications used: ${r.used}   Failed: ${r.failed.singular} singular, ${r.failed.nonFinite} non-finite`);
    if (r.singularWeight > 0) lines.push(`Replications with a singular moment covariance (generalized inverse used): ${r.singularWeight}`);
  } else {
    lines.push(`Wild score bootstrap (Kline-Santos): ${r.reps} draws, seed ${r.seed}, ${r.clusters} clusters, backend ${r.backend} (${r.precision})`);
  }
  // The sample resampled, the fit's dropped regressors and warnings, and every row left out of it, as
  // estimate reports them (text.ts).
  lines.push(`Number of obs = ${r.fit.nobs}   Number of groups = ${r.fit.ngroups}`, ...noteLines(r.fit));
  for (const w of r.warnings) lines.push(`Warning: ${w}`);
  return lines;
}

function pad(s: string, w: number): string {
  return s.length >= w ? s : ' '.repeat(w - s.length) + s;
}

function interval(i: Interval | null): string {
  return i ? `${pad(stataG(i.low), 10)} ${pad(stataG(i.high), 10)}` : pad('.', 10) + ' ' + pad('.', 10);
}

/** A statistic to two decimals; "." when it could not be computed. */
function stat(x: number): string {
  return Number.isNaN(x) ? '.' : x.toFixed(2);
}

/** A p-value to three decimals; "." when it could not be computed (never 0 or 1 in its place). */
function pValue(p: number): string {
  return Number.isNaN(p) ? '.' : p.toFixed(3);
}

/** The conventional Wald test beside a wild score test: chi2, or F under `small` (score.ts). */
function waldText(t: ScoreTestResult, sep: string): string {
  return t.waldDf2 === null
    ? `Wald chi2(${t.df}) = ${stat(t.wald)}${sep === ', ' ? ', p = ' : '  Prob > chi2 = '}${pValue(t.waldP)}`
    : `Wald F(${t.df}, ${t.waldDf2}) = ${stat(t.wald)}${sep === ', ' ? ', p = ' : '  Prob > F = '}${pValue(t.waldP)}`;
}

/** The restrictions a test dropped, as Stata's `test` notes "Constraint k dropped" (restrictions.ts). */
function droppedNote(t: ScoreTestResult): string[] {
  if (t.droppedConstraints.length === 0) return [];
  const list = t.droppedConstraints.map((c) => `'${c}'`).join(', ');
  return [`  (${list} dropped: zero variance, alone or given the restrictions before it, as Stata's test drops ${t.droppedConstraints.length === 1 ? 'it' : 'them'}; df ${t.df})`];
}

/** What the p column holds (intervals.ts): the symmetric bootstrap-t p-value, or without replication
 *  SEs to studentize by (two-step without robust) the equal-tailed percentile one. The symmetric p and
 *  the equal-tailed (T) interval need not agree on 0: the symmetric and the equal-tailed bootstrap-t
 *  intervals differ (Hall 1992, ch. 3). */
function pNote(r: BootstrapResult): string {
  const alpha = String(Number((1 - r.level).toFixed(10)));
  return r.coefficients[0].pKind === 'bootstrap-t'
    ? `Boot P>|t|: symmetric bootstrap-t p-value of coef = 0, (#{|t*| >= |t|} + 1)/(B + 1); the (T) interval is equal-tailed, so it can exclude 0 while P > ${alpha}`
    : 'Boot P>|t|: equal-tailed percentile p-value of coef = 0, 2*min(#{b* <= 0} + 1, #{b* >= 0} + 1)/(B + 1); no (T): uncorrected two-step SEs (no robust) are not used to studentize';
}

/** The coefficient table, one block of rows per interval kind asked for. */
export function formatBootstrapText(r: BootstrapResult, kinds: readonly IntervalKind[] = INTERVAL_KINDS): string {
  const lines = header(r);
  const pct = levelPercentLabel(r.level);
  if (r.coefficients.length > 0) {
    const rule = '-'.repeat(13) + '+' + '-'.repeat(75);
    lines.push(rule);
    // The label estimate prints over the same errors (text.ts seLabel): Corrected, Robust, or Std. Err.
    lines.push(`${pad('', 12)} |      Coef.  ${(seLabel(r.fit) || 'Std. Err.').padStart(9)}    Boot SE  Boot P>|t|${' '.repeat(Math.max(1, 5 - pct.length))}[${pct}% Conf. Interval]`);
    lines.push(rule);
    for (const c of r.coefficients) {
      const first = kinds[0];
      lines.push(`${pad(c.name, 12)} | ${pad(stataG(c.estimate), 10)} ${pad(stataG(c.se), 10)} ${pad(stataG(c.bootSe), 10)} ${pad(pValue(c.p), 10)}   ${interval(pick(c, first))}  (${tag(first)})`);
      for (const k of kinds.slice(1)) lines.push(`${pad('', 12)} | ${' '.repeat(46)}${interval(pick(c, k))}  (${tag(k)})`);
    }
    lines.push(rule);
    lines.push('(P) percentile   (B) basic   (T) studentized (bootstrap-t)', pNote(r));
  }
  if (r.hansen)
    lines.push(
      `Hansen test of overid. restrictions: chi2(${r.hansen.df}) = ${stat(r.hansen.chi2)}  Prob > chi2 = ${pValue(r.hansen.p)}  Bootstrap prob = ${pValue(r.hansen.bootstrapP)}`,
    );
  for (const t of r.tests)
    lines.push(
      `Test ${t.restriction}: ${waldText(t, '  ')};  score chi2(${t.df}) = ${stat(t.stat)}  Prob > chi2 = ${pValue(t.p)};  wild score bootstrap prob (${t.weights}, ${t.reps} draws) = ${pValue(t.bootstrapP)}`,
      ...droppedNote(t),
    );
  lines.push(`Time: ${r.seconds.toFixed(2)} s`);
  return lines.join('\n') + '\n';
}

function pick(c: CoefficientBootstrap, k: IntervalKind): Interval | null {
  return k === 'percentile' ? c.percentile : k === 'basic' ? c.basic : c.studentized;
}
function tag(k: IntervalKind): string {
  return k === 'percentile' ? 'P' : k === 'basic' ? 'B' : 'T';
}

export function formatBootstrapMarkdown(r: BootstrapResult, kinds: readonly IntervalKind[] = INTERVAL_KINDS): string {
  const lines = header(r).map((l) => l + '  ');
  lines.push('');
  if (r.coefficients.length > 0) {
    lines.push(`| | Coef. | SE | Boot SE | Boot p | ${kinds.map((k) => `${k} ${levelPercentLabel(r.level)}% CI`).join(' | ')} |`);
    lines.push(`|---|---:|---:|---:|---:|${kinds.map(() => '---|').join('')}`);
    for (const c of r.coefficients)
      lines.push(
        `| ${c.name} | ${stataG(c.estimate)} | ${stataG(c.se)} | ${stataG(c.bootSe)} | ${pValue(c.p)} | ${kinds
          .map((k) => {
            const i = pick(c, k);
            return i ? `[${stataG(i.low)}, ${stataG(i.high)}]` : '.';
          })
          .join(' | ')} |`,
      );
  }
  if (r.coefficients.length > 0) lines.push('', pNote(r));
  if (r.hansen) lines.push('', `Hansen J = ${stat(r.hansen.chi2)} (df ${r.hansen.df}), p = ${pValue(r.hansen.p)}, bootstrap p = ${pValue(r.hansen.bootstrapP)}`);
  for (const t of r.tests)
    lines.push('', `Test ${t.restriction}: ${waldText(t, ', ')}; score chi2 = ${stat(t.stat)}, p = ${pValue(t.p)}, wild score bootstrap p = ${pValue(t.bootstrapP)}`, ...droppedNote(t));
  return lines.join('\n') + '\n';
}

/** Everything but the replication draws and the fit's covariance matrix. */
export function bootstrapJson(r: BootstrapResult): Record<string, unknown> {
  const { draws: _draws, fit, ...rest } = r;
  return {
    ...rest,
    fit: { estimator: fit.estimator, steps: fit.steps, vce: fit.vce, nobs: fit.nobs, ngroups: fit.ngroups, ninstruments: fit.ninstruments, excluded: fit.excluded, ...(fit.weights ? { weights: fit.weights } : {}) },
  };
}

/** Histogram of one coefficient's replication estimates with the estimate and percentile interval marked. */
export function bootstrapHistogramSpec(name: string, draws: number[], c: CoefficientBootstrap): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 480,
    height: 260,
    title: { text: `Bootstrap distribution of ${name}`, subtitle: 'red: estimate; dashed: percentile interval' },
    layer: [
      {
        data: { values: draws.map((v) => ({ v })) },
        mark: { type: 'bar', color: '#6b8fb3' },
        encoding: {
          x: { bin: { maxbins: 40 }, field: 'v', type: 'quantitative', title: name },
          y: { aggregate: 'count', type: 'quantitative', title: 'Replications' },
        },
      },
      {
        data: {
          values: [
            { v: c.estimate, what: 'estimate' },
            { v: c.percentile.low, what: 'percentile interval' },
            { v: c.percentile.high, what: 'percentile interval' },
          ],
        },
        mark: { type: 'rule', strokeWidth: 2 },
        encoding: {
          x: { field: 'v', type: 'quantitative' },
          color: { field: 'what', type: 'nominal', title: '', scale: { range: ['#c0392b', '#333333'] } },
          strokeDash: { field: 'what', type: 'nominal', legend: null },
        },
      },
    ],
  } as TopLevelSpec;
}

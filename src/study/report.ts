// report.md of `sysgmm replicate`: the data, the model, what the estimates say, then the tables,
// the derived effects and the figures, with every warning the run produced.
import type { PanelDescription } from '../panel/describe.ts';
import type { StudyConfig } from './config.ts';
import type { DerivedEffect, MarginalEffectPoint } from './effects.ts';
import { bootstrapResamples, type FittedRun, type RegionTests, type StudyVariables } from './tables.ts';
import { fixed, stars, toMarkdown, type JournalTable } from '../report/journal-table.ts';
import { needsCapital, type EfficiencyMeasure } from './efficiency.ts';

export interface StudyEffects {
  /** Model the effects come from (T2, Sys-GMM with the interaction). */
  model: string;
  /** Efficiency mean the interaction is centred at (0 when not centred). */
  effCentre: number;
  marginal: MarginalEffectPoint[];
  /** Marginal effect of CA at the 10th, 25th, 50th, 75th, 90th percentiles of efficiency. */
  atPercentiles: (MarginalEffectPoint & { percentile: number })[];
  longRun: DerivedEffect[];
}

export interface FigureFile {
  name: string;
  caption: string;
  svg: string;
  png: string;
}

/** What an efficiency measure is computed from, as one sentence. */
function efficiencySource(m: EfficiencyMeasure, cfg: StudyConfig): string {
  const e = cfg.efficiency;
  if (!needsCapital(m))
    return `manufacturing output per worker (\`${e.output}\` / \`${e.labour}\`)${m === 'log-labour-productivity' ? ', in natural logs' : ', in levels'}.`;
  return `from manufacturing capital (\`${e.capital}\`), labour (\`${e.labour}\`) and output (\`${e.output}\`), each year's cities forming that year's frontier.`;
}

export interface StudyReportInput {
  config: StudyConfig;
  dataPath: string;
  description: PanelDescription;
  tables: JournalTable[];
  t1Markdown: string;
  effects: StudyEffects;
  regionTests: RegionTests;
  runs: FittedRun[];
  warnings: string[];
  vars: StudyVariables;
  labels: { index: string; efficiency: string };
  centre: { ca: number; eff: number };
  figures: FigureFile[];
  bootstrap: number;
}

const f3 = (x: number) => fixed(x, 3);

function coefText(run: FittedRun, name: string): string {
  const c = run.result.coefficients.find((k) => k.name === name);
  return c ? `${f3(c.estimate)}${stars(c.p)} (SE ${f3(c.se)})` : 'not estimated';
}

function effectRow(e: DerivedEffect, first: string): string {
  return `| ${first} | ${f3(e.estimate)}${stars(e.p)} | ${f3(e.se)} | [${f3(e.low)}, ${f3(e.high)}] | ${f3(e.p)} |`;
}

function fileName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

export function studyReport(x: StudyReportInput): string {
  const { config: cfg, description: d, vars: v, runs } = x;
  const main = runs.find((r) => r.table === 'T2' && r.estimator === 'system' && r.core.includes(v.caEff))!;
  const lagName = `L.${v.y}`;
  const rho = main.result.coefficients.find((c) => c.name === lagName);
  const ar2 = main.result.ar.find((a) => a.order === 2);
  const out: string[] = [];
  out.push('# Haze pollution, co-agglomeration and manufacturing efficiency', '');
  out.push(
    `Produced by \`sysgmm replicate\` from \`${fileName(x.dataPath)}\`. Question: does the co-agglomeration (CA) of producer services and manufacturing, manufacturing efficiency (EFF) and their interaction reduce haze (${v.yLabel}) in Chinese cities?`,
    '',
  );
  out.push('## Data', '');
  out.push(
    `- ${d.units} cities, ${d.periods} years (${d.timeMin}–${d.timeMax}), ${d.observations} city-years; ${d.balanced ? 'balanced' : 'unbalanced'}${d.unitsWithGaps.count ? `, ${d.unitsWithGaps.count} cities with gaps` : ''}.`,
    `- Rows dropped for a missing city or year: ${d.excluded.missingUnit + d.excluded.missingTime}.`,
    `- CA: ${x.labels.index} = ${x.labels.index === 'CA1' ? '1 − |LQs − LQm|/(LQs + LQm)' : 'CA1 + (LQs + LQm)'}, from employment location quotients of producer services (${cfg.sectors.segments.map((s) => s.name).join('; ')}) and manufacturing, reference totals = sample sums per year.`,
    `- EFF: ${x.labels.efficiency}, ${efficiencySource(cfg.efficiency.measure, cfg)}${
      cfg.efficiency.robustness !== cfg.efficiency.measure ? ` The robustness column uses ${cfg.efficiency.robustness}: ${efficiencySource(cfg.efficiency.robustness, cfg)}` : ''
    }`,
    `- Controls: ${cfg.controls.map((c) => `${c.label} (\`${c.expr}\`)`).join(', ')}; year dummies.`,
    '',
  );
  out.push('## Model', '');
  out.push(
    `${v.yLabel}_it = ρ ${v.yLabel}_i,t−1 + β1 CA_it + β2 EFF_it + β3 (CA_it − c̄)(EFF_it − ē) + γ′X_it + λ_t + μ_i + ε_it`,
    '',
    cfg.centre
      ? `The interaction is built from mean-centred CA and EFF (c̄ = ${fixed(x.centre.ca, 4)}, ē = ${fixed(x.centre.eff, 4)}, means over the baseline estimation sample: city-years with the outcome, its lag, CA, EFF and the controls present), so β1 is the effect of CA at mean efficiency and β2 the effect of EFF at mean co-agglomeration.`
      : 'The interaction is the plain product CA × EFF (not centred).',
    '',
    'Baseline (T2, column 5), two-step system GMM with Windmeijer-corrected standard errors:',
    '',
    '```',
    `xtabond2 ${main.command}`,
    '```',
    '',
    `CA, EFF and CA × EFF are treated as endogenous (GMM-style instruments with the lagged outcome), the controls as exogenous (IV-style), year dummies as IV-style instruments in the levels equation; the first year is lost to the lag and the second is the base year.`,
    '',
  );
  out.push('## What the estimates say', '');
  const k = main.result;
  out.push(
    `- Persistence: ρ = ${rho ? coefText(main, lagName) : 'not estimated'}.`,
    `- CA: ${coefText(main, v.ca)}; EFF: ${coefText(main, v.eff)}; CA × EFF: ${coefText(main, v.caEff)}.`,
    `- Specification tests: AR(2) p = ${ar2 ? f3(ar2.p) : 'n/a'}, Hansen p = ${k.hansen ? f3(k.hansen.p) : 'n/a'}, ${k.ninstruments} instruments for ${k.ngroups} cities, ${k.nobs} observations.`,
  );
  const mLow = x.effects.atPercentiles[0];
  const mHigh = x.effects.atPercentiles[x.effects.atPercentiles.length - 1];
  out.push(
    `- Marginal effect of CA: ${f3(mLow.estimate)} [${f3(mLow.low)}, ${f3(mLow.high)}] at the 10th percentile of efficiency (${fixed(mLow.efficiency, 3)}), ${f3(mHigh.estimate)} [${f3(mHigh.low)}, ${f3(mHigh.high)}] at the 90th (${fixed(mHigh.efficiency, 3)}).`,
  );
  const lr = x.effects.longRun;
  out.push(`- Long-run effects β/(1 − ρ): ${lr.map((e) => `${e.label} ${f3(e.estimate)}${stars(e.p)} (SE ${f3(e.se)})`).join('; ')}.`);
  const t3 = runs.filter((r) => r.table === 'T3');
  if (t3.length >= 2)
    out.push(`- Over time: CA ${t3.slice(0, cfg.periods.length).map((r) => `${coefText(r, v.ca)} in ${r.label}`).join(', ')}.`);
  const [coastal, inland] = runs.filter((r) => r.table === 'T4');
  out.push(
    `- Coastal vs inland: CA ${coefText(coastal, v.ca)} coastal, ${coefText(inland, v.ca)} inland; ${x.regionTests.differences.map((e) => `${e.label} ${f3(e.estimate)} (p ${f3(e.p)})`).join('; ')}; joint Wald test of the three inland interactions χ²(${x.regionTests.wald.df}) = ${fixed(x.regionTests.wald.chi2, 2)}, p = ${f3(x.regionTests.wald.p)}.`,
  );
  const segs = runs.filter((r) => r.table === 'T5');
  out.push(`- Segments (CA coefficient): ${segs.map((r) => `${r.label} ${coefText(r, v.ca)}`).join('; ')}.`);
  out.push('');
  out.push('## Tables', '');
  out.push('**T1. Descriptive statistics**', '', x.t1Markdown, '');
  for (const t of x.tables) out.push(toMarkdown(t), '');
  out.push('## Derived effects', '');
  out.push(`From ${x.effects.model}. Delta-method standard errors; normal 95% intervals.`, '');
  out.push('| Effect | Estimate | SE | 95% interval | p |', '|---|---:|---:|---|---:|');
  for (const m of x.effects.atPercentiles) out.push(effectRow(m, `∂${v.yLabel}/∂CA at EFF p${m.percentile} (${fixed(m.efficiency, 3)})`));
  for (const e of lr) out.push(effectRow(e, `Long-run ${e.label}`));
  out.push('', 'The full marginal-effect curve is in `effects.csv` and `effects.json`.', '');
  out.push('## Figures', '');
  for (const fig of x.figures) out.push(`![${fig.caption}](${fileName(fig.svg)})`, '', `*${fig.caption}* (PNG: \`${fileName(fig.png)}\`)`, '');
  if (x.bootstrap > 0) out.push('## Bootstrap', '', `Every GMM column: ${bootstrapResamples(x.runs)}, B = ${x.bootstrap}, seed ${cfg.seed}; 95% percentile intervals printed in brackets in the tables.`, '');
  out.push('## Warnings', '');
  if (x.warnings.length === 0) out.push('None.');
  else for (const w of x.warnings) out.push(`- ${w}`);
  out.push('');
  const excluded = new Map<string, string[]>();
  for (const r of runs) for (const e of r.result.excluded) if (e.count > 0) excluded.set(`${e.count} ${e.reason}`, [...(excluded.get(`${e.count} ${e.reason}`) ?? []), r.id]);
  if (excluded.size) {
    out.push('## City-years excluded from estimation', '');
    for (const [what, ids] of excluded) out.push(`- ${what}: ${ids.join(', ')}`);
    out.push('');
  }
  out.push('## Files', '', 'Each table as `.md`, `.tex` (booktabs), `.csv` and `.json`; every model in `models.json` (command and full result); figures as `.svg` and `.png`.', '');
  return out.join('\n');
}

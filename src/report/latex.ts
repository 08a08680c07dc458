// formatLatex: a result as a LaTeX table (booktabs): coefficients, then the model summary and the
// specification tests in the lower panel.
import { latexEscape } from './latex-escape.ts';
import type { GmmResult } from '../gmm/result.ts';
import type { ReportContext } from './context.ts';
import { fixed, stataG } from './stata-format.ts';
import { testRows } from './tests-table.ts';
import { modelTestParts, seLabel, title } from './text.ts';

export function formatLatex(result: GmmResult, context: ReportContext = {}): string {
  const m = modelTestParts(result);
  const stat = result.small ? 't' : 'z';
  const se = seLabel(result);
  const lines = [
    '\\begin{table}[htbp]',
    '\\centering',
    `\\caption{${latexEscape(title(result))}: ${latexEscape(result.depvar)}}`,
    '\\begin{tabular}{lrrrrrr}',
    '\\toprule',
    ` & Coef. & ${se ? `${se} ` : ''}Std.\\ Err. & $${stat}$ & $P>|${stat}|$ & \\multicolumn{2}{c}{${result.level ?? 95}\\% Conf.\\ Interval} \\\\`,
    '\\midrule',
  ];
  for (const c of result.coefficients)
    lines.push(`${latexEscape(c.name)} & ${num(c.estimate)} & ${num(c.se)} & ${signed(fixed(c.stat, 2))} & ${fixed(c.p, 3)} & ${num(c.ciLow)} & ${num(c.ciHigh)} \\\\`);
  lines.push('\\midrule');
  const info = (label: string, value: string) => lines.push(`${label} & \\multicolumn{6}{l}{${value}} \\\\`);
  info('Observations', String(result.nobs));
  info('Groups', `${result.ngroups}${context.id ? ` (${latexEscape(context.id)})` : ''}`);
  info('Obs per group (min/avg/max)', `${result.obsPerGroup.min} / ${fixed(result.obsPerGroup.avg, 2)} / ${result.obsPerGroup.max}`);
  info('Instruments', String(result.ninstruments));
  info(latexEscape(m.label).replace('chi2', '$\\chi^2$'), `${fixed(m.stat, 2)} ($p$ = ${fixed(m.p, 3)})`);
  for (const t of testRows(result, context.spec?.arlevels ? 'levels' : 'first differences')) {
    const s = t.kind === 'z' ? `$z$ = ${signed(fixed(t.stat, 2))}` : `$\\chi^2(${t.df})$ = ${fixed(t.stat, 2)}`;
    info(latexEscape(t.name), `${s} ($p$ = ${fixed(t.p, 3)})`);
  }
  lines.push('\\bottomrule', '\\end{tabular}', '\\end{table}');
  return `${lines.join('\n')}\n`;
}

function num(x: number): string {
  return signed(stataG(x).replace(/^(-?)\./, '$10.'));
}

/** A typeset minus sign. */
function signed(s: string): string {
  return s.startsWith('-') ? `$-$${s.slice(1)}` : s;
}

/** Escape LaTeX's special characters in names and labels. */

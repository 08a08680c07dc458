// Escaping text for LaTeX: its special characters, and the Unicode symbols our labels use (×, −, ≥, ≤, ρ, β)
// as math.

const LATEX_SPECIAL: Record<string, string> = {
  '\\': '\\textbackslash{}',
  '&': '\\&',
  '%': '\\%',
  $: '\\$',
  '#': '\\#',
  _: '\\_',
  '{': '\\{',
  '}': '\\}',
  '~': '\\textasciitilde{}',
  '^': '\\textasciicircum{}',
  '×': '$\\times$',
  '−': '$-$',
  '≥': '$\\geq$',
  '≤': '$\\leq$',
  'ρ': '$\\rho$',
  'β': '$\\beta$',
};

export function latexEscape(s: string): string {
  // The symbols as escapes (× − ≥ ≤ ρ β), so that the CLI bundle stays ASCII (scripts/build-cli.mjs).
  return s.replace(/[\\&%$#_{}~^\u00d7\u2212\u2265\u2264\u03c1\u03b2]/g, (c) => LATEX_SPECIAL[c]);
}

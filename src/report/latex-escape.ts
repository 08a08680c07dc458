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
  return s.replace(/[\\&%$#_{}~^×−≥≤ρβ]/g, (c) => LATEX_SPECIAL[c]);
}

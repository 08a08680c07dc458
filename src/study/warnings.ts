// How the study's measures report city-years they could not compute: one warning per measure,
// with the count of each reason, so nothing goes missing silently.
import type { Panel } from '../panel/panel.ts';

export interface MeasureWarning {
  /** The measure (output column) concerned, e.g. 'CA1_finance' or 'dea_ccr_in'. */
  measure: string;
  /** City-years where the measure is missing (NaN), or, for a Malmquist index over a span of more than one step, computed over it. */
  cityYears: number;
  /** City-years by reason (by pair of years for a Malmquist span); the counts sum to cityYears. */
  reasons: Record<string, number>;
  /** One line for people, e.g. "CA1_finance missing for 12 city-years (10 missing employment, 2 zero employment)". */
  message: string;
}

/** Count reasons per measure, then turn the non-empty tallies into warnings. */
export class MissingTally {
  private readonly counts = new Map<string, Map<string, number>>();

  add(measure: string, reason: string): void {
    let m = this.counts.get(measure);
    if (!m) this.counts.set(measure, (m = new Map()));
    m.set(reason, (m.get(reason) ?? 0) + 1);
  }

  /** Warnings in the order the measures are given, reasons sorted by name (measures with nothing missing are left out). */
  warnings(measures: readonly string[]): MeasureWarning[] {
    const out: MeasureWarning[] = [];
    for (const measure of measures) {
      const m = this.counts.get(measure);
      if (!m) continue;
      const sorted = [...m].sort((a, b) => (a[0] < b[0] ? -1 : 1));
      const reasons = Object.fromEntries(sorted);
      const cityYears = sorted.reduce((a, [, k]) => a + k, 0);
      const parts = sorted.map(([r, k]) => `${k} ${r}`).join(', ');
      out.push({ measure, cityYears, reasons, message: `${measure} missing for ${cityYears} city-year(s) (${parts})` });
    }
    return out;
  }
}

/** What made a value missing, for people, by the operation evalExpression names. */
const CAUSES: Record<string, string> = {
  'log()': 'log of a value not above 0',
  'ln()': 'log of a value not above 0',
  'sqrt()': 'sqrt of a negative value',
  '/': 'division by zero',
  '^': 'a power that is not a real number',
  'exp()': 'exp beyond the largest double',
};

/** Values a derived variable's expression made missing from present data (log of a non-positive
 *  number, division by zero), by cause, with the first city-year: Stata's "(n missing values generated)".
 *  A city-year counts once, whatever number of operations failed in it. */
export class Generated {
  private readonly rows = new Set<number>();
  private readonly causes = new Map<string, Set<number>>();
  private first = -1;

  constructor(private readonly panel: Panel) {}

  add(what: string, row: number): void {
    this.rows.add(row);
    const cause = CAUSES[what] ?? 'a result beyond the largest double';
    if (!this.causes.has(cause)) this.causes.set(cause, new Set());
    this.causes.get(cause)!.add(row);
    if (this.first < 0 || row < this.first) this.first = row;
  }

  /** Push one warning for `variable` when anything was made missing. */
  warn(warnings: string[], variable: string): void {
    if (this.first < 0) return;
    const p = this.panel;
    const causes = [...this.causes].map(([cause, rows]) => `${rows.size} by ${cause}`).join(', ');
    warnings.push(
      `${variable}: ${this.rows.size} city-year(s) made missing from present data (${causes}), the first ${p.idName} ${p.units[p.unitOf[this.first]]}, ${p.timeName} ${p.time[this.first]}${p.source ? ` in ${p.source}` : ''}`,
    );
  }
}

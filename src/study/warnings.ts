// How the study's measures report city-years they could not compute: one warning per measure,
// with the count of each reason, so nothing goes missing silently.
import type { Panel } from '../panel/panel.ts';

export interface MeasureWarning {
  /** The measure (output column) concerned, e.g. 'CA1_finance' or 'dea_ccr_in'. */
  measure: string;
  /** City-years where the measure is missing (NaN). */
  cityYears: number;
  /** City-years by reason; the counts sum to cityYears. */
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

/** Values a derived variable's expression made missing from present data (log of a non-positive
 *  number, division by zero), by cause, with the first city-year: Stata's "(n missing values generated)". */
export class Generated {
  private readonly counts = new Map<string, number>();
  private first = -1;

  constructor(private readonly panel: Panel) {}

  add(what: string, row: number): void {
    this.counts.set(what, (this.counts.get(what) ?? 0) + 1);
    if (this.first < 0) this.first = row;
  }

  /** Push one warning for `variable` when anything was made missing. */
  warn(warnings: string[], variable: string): void {
    if (this.first < 0) return;
    const p = this.panel;
    const total = [...this.counts.values()].reduce((a, b) => a + b, 0);
    const causes = [...this.counts].map(([what, k]) => `${k} by ${what === 'log()' || what === 'ln()' ? `${what} of a non-positive value` : what === '/' ? 'division by zero' : what}`).join(', ');
    warnings.push(
      `${variable}: ${total} city-year(s) made missing from present data (${causes}), the first ${p.idName} ${p.units[p.unitOf[this.first]]}, ${p.timeName} ${p.time[this.first]}${p.source ? ` in ${p.source}` : ''}`,
    );
  }
}

// How the study's measures report city-years they could not compute: one warning per measure,
// with the count of each reason, so nothing goes missing silently.

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

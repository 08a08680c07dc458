// A small unbalanced dynamic panel for cross-checks: 30 units, 2001–2007,
//   y_it = 0.5 y_i,t−1 + 0.3 x_it + a_i + e_it,  x_it = 0.6 x_i,t−1 + 0.4 a_i + u_it,  w_it exogenous,
// with units that start late, end early, have a gap, or have a missing x or w; region = unit mod 15 (two units per region).
import { tableFromArrays } from 'apache-arrow';
import { Panel } from '../../src/panel/panel.ts';

/** Deterministic standard normals (LCG + Box-Muller). */
export function normals(seed: number): () => number {
  let s = seed >>> 0;
  const unif = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(unif())) * Math.cos(2 * Math.PI * unif());
}

export function smallPanel(n = 30, seed = 12345): Panel {
  const z = normals(seed);
  const id: number[] = [];
  const year: number[] = [];
  const y: number[] = [];
  const x: number[] = [];
  const w: number[] = [];
  const region: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = z();
    let yl = a / 0.5 + z();
    let xl = a + z();
    for (let t = 1996; t <= 2007; t++) {
      const xt = 0.6 * xl + 0.4 * a + z();
      const yt = 0.5 * yl + 0.3 * xt + a + z();
      const wt = z();
      yl = yt;
      xl = xt;
      if (t < 2001) continue;
      if (i < 4 && t === 2001) continue; // late start
      if (i >= 4 && i < 7 && t === 2007) continue; // early end
      if (i === 7 && t === 2004) continue; // gap
      id.push(i + 1);
      year.push(t);
      y.push(yt);
      x.push(i === 8 && t === 2003 ? NaN : xt);
      w.push(i === 9 && t === 2005 ? NaN : wt);
      region.push(i % 15);
    }
  }
  const table = tableFromArrays({
    id: Float64Array.from(id),
    year: Float64Array.from(year),
    y: Float64Array.from(y),
    x: Float64Array.from(x),
    w: Float64Array.from(w),
    region: Float64Array.from(region),
  });
  return Panel.fromTable(table, { id: 'id', time: 'year' });
}

/** 40 units × 6 periods (2000–2005) where x changes only between periods 0 and 1 and the regressor w
 *  is missing in period 2, so the level rows in use never see Δx at lag 1: gmm(x, lag(2 4) collapse)'s
 *  level instrument Δx_{t−1} is zero everywhere (and stays so, as in xtabond2 3.7.0). */
export function movedInstrumentColumns(): { id: Float64Array; year: Float64Array; y: Float64Array; x: Float64Array; w: Float64Array } {
  const z = normals(99);
  const id: number[] = [];
  const year: number[] = [];
  const y: number[] = [];
  const x: number[] = [];
  const w: number[] = [];
  for (let i = 0; i < 40; i++) {
    const a = z();
    const x0 = z();
    const x1 = x0 + z();
    let yl = a + z();
    for (let t = 0; t < 6; t++) {
      const xt = t === 0 ? x0 : x1;
      const wt = z();
      yl = 0.5 * yl + 0.4 * xt + 0.3 * wt + a + z();
      id.push(i + 1);
      year.push(2000 + t);
      y.push(yl);
      x.push(xt);
      w.push(t === 2 ? NaN : wt);
    }
  }
  return { id: Float64Array.from(id), year: Float64Array.from(year), y: Float64Array.from(y), x: Float64Array.from(x), w: Float64Array.from(w) };
}

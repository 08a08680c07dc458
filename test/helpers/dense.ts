// Plain dense matrix helpers for reference computations in tests (arrays of rows; no shared code
// with src/linalg, so a test built on them is an independent check).
export type Mat = number[][];

export function zeros(r: number, c: number): Mat {
  return Array.from({ length: r }, () => new Array<number>(c).fill(0));
}
export function tr(a: Mat): Mat {
  return a[0].map((_, j) => a.map((row) => row[j]));
}
export function mul(a: Mat, b: Mat): Mat {
  const out = zeros(a.length, b[0].length);
  for (let i = 0; i < a.length; i++)
    for (let k = 0; k < b.length; k++) {
      const v = a[i][k];
      if (v === 0) continue;
      for (let j = 0; j < b[0].length; j++) out[i][j] += v * b[k][j];
    }
  return out;
}
export function add(a: Mat, b: Mat, s = 1): Mat {
  return a.map((row, i) => row.map((v, j) => v + s * b[i][j]));
}
export function scale(a: Mat, s: number): Mat {
  return a.map((row) => row.map((v) => v * s));
}
export function col(v: number[]): Mat {
  return v.map((x) => [x]);
}
/** Inverse by Gauss-Jordan elimination with partial pivoting (the matrix must be nonsingular). */
export function inv(a: Mat): Mat {
  const n = a.length;
  const big = Math.max(...a.map((row) => Math.max(...row.map(Math.abs))));
  const m = a.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    if (Math.abs(m[p][c]) < 1e-11 * big) throw new Error('singular matrix in reference computation');
    [m[c], m[p]] = [m[p], m[c]];
    const d = m[c][c];
    for (let j = 0; j < 2 * n; j++) m[c][j] /= d;
    for (let r = 0; r < n; r++) {
      if (r === c || m[r][c] === 0) continue;
      const f = m[r][c];
      for (let j = 0; j < 2 * n; j++) m[r][j] -= f * m[c][j];
    }
  }
  return m.map((row) => row.slice(n));
}
export function quad(x: number[], a: Mat): number {
  return mul(mul([x], a), col(x))[0][0];
}

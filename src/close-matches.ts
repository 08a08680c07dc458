// Names close to a misspelt one, for the "did you mean" of an error message.

/** Columns within edit distance 2 of name (or sharing a case-insensitive prefix), closest first. */
export function closeMatches(name: string, columns: readonly string[]): string[] {
  const lower = name.toLowerCase();
  const scored = columns
    .map((c) => ({ c, d: editDistance(lower, c.toLowerCase()) }))
    .filter(({ c, d }) => d <= Math.max(1, Math.min(2, Math.floor(name.length / 2))) || (lower.length >= 2 && c.toLowerCase().startsWith(lower)));
  scored.sort((x, y) => x.d - y.d);
  return scored.slice(0, 5).map((s) => s.c);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

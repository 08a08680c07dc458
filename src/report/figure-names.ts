// File names of figures, one per coefficient or parameter: the name's letters and digits in any
// script, every other run of characters as `_`. Replacing all but ASCII letters and digits turned
// 数据 and 城市 into the same `_`, so one figure silently replaced another; a name that still
// collides (L.n and L_n, or names equal but for case on a case-insensitive file system) gets -2, -3.

/** One file-name stem per name, in order, no two equal (compared without case, in Unicode's NFC form). */
export function figureSlugs(names: readonly string[]): string[] {
  const used = new Set<string>();
  return names.map((name) => {
    const base = name.normalize('NFC').replace(/[^\p{L}\p{N}_]+/gu, '_') || '_';
    let slug = base;
    for (let k = 2; used.has(slug.toLowerCase()); k++) slug = `${base}-${k}`;
    used.add(slug.toLowerCase());
    return slug;
  });
}

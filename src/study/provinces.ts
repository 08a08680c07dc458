// China's 31 provincial-level units (GB/T 2260 codes), how many prefecture-level cities each
// contributes to the usual 285-city panel of the China City Statistical Yearbook 2004–2017
// (municipalities count as one city; Tibet has none for lack of data), and which are coastal.
//
// Coastal: the 11 provincial units of the eastern coastal belt as Chinese regional studies usually
// take it — Beijing, Tianjin, Hebei, Liaoning, Shanghai, Jiangsu, Zhejiang, Fujian, Shandong,
// Guangdong, Hainan (the Seventh Five-Year Plan's eastern belt without Guangxi). Guangxi borders
// the sea too but is classed inland here, as in the western-development programme it belongs to.
// With the 285-city counts this makes 101 coastal cities.

export interface Province {
  /** GB/T 2260 two-digit code. */
  code: number;
  name: string;
  /** Prefecture-level cities in the 285-city panel. */
  cities: number;
  coastal: boolean;
  /** Province-level municipality (Beijing, Tianjin, Shanghai, Chongqing). */
  municipality: boolean;
}

const P = (code: number, name: string, cities: number, coastal = false, municipality = false): Province => ({
  code,
  name,
  cities,
  coastal,
  municipality,
});

export const PROVINCES: readonly Province[] = [
  P(11, 'Beijing', 1, true, true),
  P(12, 'Tianjin', 1, true, true),
  P(13, 'Hebei', 11, true),
  P(14, 'Shanxi', 11),
  P(15, 'Inner Mongolia', 9),
  P(21, 'Liaoning', 14, true),
  P(22, 'Jilin', 8),
  P(23, 'Heilongjiang', 12),
  P(31, 'Shanghai', 1, true, true),
  P(32, 'Jiangsu', 13, true),
  P(33, 'Zhejiang', 11, true),
  P(34, 'Anhui', 16),
  P(35, 'Fujian', 9, true),
  P(36, 'Jiangxi', 11),
  P(37, 'Shandong', 17, true),
  P(41, 'Henan', 17),
  P(42, 'Hubei', 12),
  P(43, 'Hunan', 13),
  P(44, 'Guangdong', 21, true),
  P(45, 'Guangxi', 14),
  P(46, 'Hainan', 2, true),
  P(50, 'Chongqing', 1, false, true),
  P(51, 'Sichuan', 18),
  P(52, 'Guizhou', 4),
  P(53, 'Yunnan', 8),
  P(54, 'Tibet', 0),
  P(61, 'Shaanxi', 10),
  P(62, 'Gansu', 12),
  P(63, 'Qinghai', 1),
  P(64, 'Ningxia', 5),
  P(65, 'Xinjiang', 2),
];

/** Cities in the standard panel: 285. */
export const PANEL_CITIES = PROVINCES.reduce((s, p) => s + p.cities, 0);

/**
 * How many of `total` cities each province gets: the 285-city counts when total = 285, otherwise
 * those counts scaled to `total` by largest remainders (Hamilton's method; ties to the earlier
 * province), so every size keeps the real mix of coastal and inland cities as closely as it can.
 */
export function allocateCities(total: number): number[] {
  const quotas = PROVINCES.map((p) => (p.cities * total) / PANEL_CITIES);
  const counts = quotas.map(Math.floor);
  let left = total - counts.reduce((s, c) => s + c, 0);
  const order = quotas.map((q, i) => [q - Math.floor(q), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; left > 0; k++, left--) counts[order[k]![1]]!++;
  return counts;
}

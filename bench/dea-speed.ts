// Time the DEA and Malmquist measures on a city panel shaped like the study's: 285 cities × 14 years
// (3990 city-years), inputs capital and labour, one output. Run: npx tsx bench/dea-speed.ts
import { deaByYear, loadHighs, type DeaModel } from '../src/study/dea.ts';
import { malmquist } from '../src/study/malmquist.ts';

const cities = 285;
const years = 14;
let s = 12345;
const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const n = cities * years;
const city = new Int32Array(n);
const year = new Int32Array(n);
const capital = new Float64Array(n);
const labour = new Float64Array(n);
const output = new Float64Array(n);
for (let c = 0, r = 0; c < cities; c++) {
  const size = Math.exp(2 * rnd());
  for (let t = 0; t < years; t++, r++) {
    city[r] = c;
    year[r] = 2003 + t;
    labour[r] = size * (0.5 + rnd());
    capital[r] = labour[r] * Math.exp(1 + 0.07 * t + 0.5 * rnd());
    output[r] = 3 * Math.exp(0.04 * t) * capital[r] ** 0.4 * labour[r] ** 0.6 * Math.exp(-0.6 * rnd());
  }
}
const inputs = [capital, labour];
const outputs = [output];

let t0 = performance.now();
await loadHighs();
console.log(`load HiGHS (WASM): ${(performance.now() - t0).toFixed(0)} ms`);
// The first run is cold (the WebAssembly code is still being optimised); it is repeated warm.
const models: [string, DeaModel][] = [
  ['dea-ccr-in (cold)', { returns: 'crs', orientation: 'input' }],
  ['dea-ccr-in', { returns: 'crs', orientation: 'input' }],
  ['dea-ccr-out', { returns: 'crs', orientation: 'output' }],
  ['dea-bcc-in', { returns: 'vrs', orientation: 'input' }],
  ['dea-bcc-out', { returns: 'vrs', orientation: 'output' }],
];
for (const [name, model] of models) {
  t0 = performance.now();
  const res = await deaByYear({ year, inputs, outputs }, model);
  const ms = performance.now() - t0;
  let mean = 0;
  for (const v of res.efficiency) mean += v / n;
  console.log(`${name}: ${n} LPs in ${ms.toFixed(0)} ms (${((1000 * ms) / n).toFixed(0)} µs/LP), mean score ${mean.toFixed(4)}`);
}
t0 = performance.now();
const m = await malmquist({ city, year, inputs, outputs });
const ms = performance.now() - t0;
const lps = n + 2 * cities * (years - 1);
let g = 0;
let k = 0;
for (const v of m.mi) if (Number.isFinite(v)) (g += Math.log(v)), k++;
console.log(`malmquist: ${lps} LPs (own + two cross-period per city-pair) in ${ms.toFixed(0)} ms, geometric-mean MI ${Math.exp(g / k).toFixed(4)}`);

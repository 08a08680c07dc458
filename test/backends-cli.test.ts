// `sysgmm backends` prints the table and nothing on standard error: Dawn's notes on the limits it lowers
// under a CPU Vulkan driver (lavapipe, which CI installs) are kept from the user (src/cli/commands/backends.ts).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withoutDawnLimitNotes } from '../src/cli/commands/backends.ts';

const UNIFORM = 'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.\n';
const STORAGE = 'Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.\n';

describe('sysgmm backends', () => {
  it("drops Dawn's two limit notes, whole lines, and keeps everything else", () => {
    expect(withoutDawnLimitNotes(UNIFORM + STORAGE)).toBe('');
    expect(withoutDawnLimitNotes(`first\n${UNIFORM}second\n${STORAGE}third`)).toBe('first\nsecond\nthird');
    const other = 'Warning: maxBindGroups artificially reduced from 8 to 4.\n';
    expect(withoutDawnLimitNotes(other + 'x ' + UNIFORM)).toBe(other + 'x ' + UNIFORM);
  });

  it.skipIf(!existsSync('dist/bin/main.js'))('lists every backend with an empty standard error (webgpu opened on lavapipe in CI)', () => {
    const r = spawnSync(process.execPath, ['bin/sysgmm.mjs', 'backends'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    for (const name of ['float64-ts', 'float64-wasm', 'tfjs-node-gpu', 'tfjs-node', 'tfjs-webgpu', 'tfjs-wasm', 'tfjs-cpu']) expect(r.stdout).toMatch(new RegExp(`^${name} `, 'm'));
    // Where CI requires the WebGPU backend, Dawn has opened an adapter, and written its notes, in the listing.
    if ((process.env.SYSGMM_REQUIRE_BACKENDS ?? '').includes('tfjs-webgpu')) expect(r.stdout).toMatch(/^tfjs-webgpu +float32 +present /m);
  });
});

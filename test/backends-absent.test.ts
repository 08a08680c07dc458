// `sysgmm backends` for each optional backend that is absent: the exact npm command (versions matching
// package.json's peerDependencies), what else it needs, and no internal names. Absences are mocked
// through listBackends' isInstalled.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { absentBackend, listBackends, repairInstall, TFJS_VERSION, WEBGPU_VERSION } from '../src/kernels/registry.ts';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { peerDependencies: Record<string, string>; peerDependenciesMeta: Record<string, { optional: boolean }> };

const PACKAGE: Record<string, string> = {
  'tfjs-node-gpu': '@tensorflow/tfjs-node-gpu',
  'tfjs-node': '@tensorflow/tfjs-node',
  'tfjs-webgpu': '@tensorflow/tfjs-backend-webgpu',
  'tfjs-wasm': '@tensorflow/tfjs-backend-wasm',
  'tfjs-cpu': '@tensorflow/tfjs-backend-cpu',
};

describe('absent optional backends', () => {
  it('the versions in the messages are the declared optional peer dependencies', () => {
    for (const p of [...Object.values(PACKAGE), '@tensorflow/tfjs-core']) {
      expect(pkg.peerDependencies[p]).toBe(`^${TFJS_VERSION}`);
      expect(pkg.peerDependenciesMeta[p]?.optional).toBe(true);
    }
    expect(pkg.peerDependencies.webgpu).toBe(`^${WEBGPU_VERSION}`);
  });

  for (const [name, missing] of Object.entries(PACKAGE)) {
    it(`${name}: names the missing package and the command that adds it`, () => {
      const a = absentBackend(name, (p) => p !== missing);
      expect(a?.reason).toBe(`not installed (optional: ${missing})`);
      const extra = name === 'tfjs-webgpu' ? ` webgpu@${WEBGPU_VERSION}` : '';
      expect(a?.install).toBe(`npm i @tensorflow/tfjs-core@${TFJS_VERSION} ${missing}@${TFJS_VERSION}${extra}`);
    });
  }

  // A tester's report: tfjs-node installed without its install script showed only "did not load" and
  // left the list of backends to add, so nothing said how to complete it.
  it('a backend installed but not loadable says how to complete its install', () => {
    const node = repairInstall('tfjs-node');
    expect(node.install).toMatch(/^npm rebuild @tensorflow\/tfjs-node \(its install script fetches the native library\), or npm i @tensorflow\/tfjs-core@[\d.]+ @tensorflow\/tfjs-node@[\d.]+$/);
    expect(node.needs).toMatch(/downloads libtensorflow/);
    expect(repairInstall('tfjs-node-gpu').needs).toMatch(/CUDA 11\.2 and cuDNN 8\.1/);
    expect(repairInstall('tfjs-wasm').install).toMatch(/^npm i @tensorflow\/tfjs-core@[\d.]+ @tensorflow\/tfjs-backend-wasm@[\d.]+$/);
  });

  it('tfjs-node-gpu says which CUDA and cuDNN it needs; webgpu says it needs a Vulkan GPU driver', () => {
    expect(absentBackend('tfjs-node-gpu', () => false)?.needs).toMatch(/CUDA 11\.2 and cuDNN 8\.1/);
    expect(absentBackend('tfjs-webgpu', (p) => p !== 'webgpu')).toMatchObject({ reason: 'not installed (optional: webgpu)' });
    expect(absentBackend('tfjs-webgpu', () => false)?.needs).toMatch(/Vulkan driver/);
  });

  it('without tfjs-core every tfjs backend is absent; the float64 backends stay; no internal names', async () => {
    const infos = await listBackends({ measure: false, isInstalled: (p) => p !== '@tensorflow/tfjs-core' });
    expect(infos.filter((i) => i.present).map((i) => i.name)).toEqual(['float64-ts', 'float64-wasm']);
    for (const i of infos.filter((x) => !x.present)) {
      expect(i.reason).toContain('@tensorflow/tfjs-core');
      expect(i.install).toMatch(/^npm i @tensorflow\/tfjs-core@/);
      expect(JSON.stringify(i)).not.toMatch(/shared\/|\.sh\b|\bCI\b|lavapipe/);
    }
  });

  it('float64 backends have no install message', () => {
    expect(absentBackend('float64-ts')).toBeUndefined();
    expect(absentBackend('float64-wasm')).toBeUndefined();
  });
});

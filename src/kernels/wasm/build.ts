// Compiles kernels.wat to the bytes embedded in kernels-wasm.ts (wabt, a devDependency: the package ships
// the binary, so users need no compiler). `npm run build:wasm` rewrites kernels-wasm.ts; a test compiles
// the source again and checks that the embedded bytes are exactly these.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import wabt from 'wabt';

const source = fileURLToPath(new URL('./kernels.wat', import.meta.url));
const target = fileURLToPath(new URL('./kernels-wasm.ts', import.meta.url));

export async function compileKernels(): Promise<Uint8Array> {
  const w = await wabt();
  const module = w.parseWat('kernels.wat', readFileSync(source, 'utf8'), { simd: true });
  try {
    module.validate();
    return Uint8Array.from(module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const bytes = await compileKernels();
  writeFileSync(
    target,
    `// Generated from kernels.wat by build.ts (npm run build:wasm); do not edit.\nexport const KERNELS_WASM = '${Buffer.from(bytes).toString('base64')}';\n`,
  );
  console.log(`wrote ${target}: ${bytes.length} bytes of WebAssembly`);
}

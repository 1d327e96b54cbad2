// A quick side-by-side timing for the CLI (the full benchmark is tools/bench).
import { createApi, createEngine } from '@vgetrandom/getrandom';
import type { Measurement } from './draw.js';

function timeIt(fill: (bytes: Uint8Array) => unknown, size: number, budgetMs: number): number {
  const bytes = new Uint8Array(size);
  for (let index = 0; index < 1000; index += 1) fill(bytes);
  let calls = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < budgetMs) {
    for (let index = 0; index < 256; index += 1) fill(bytes);
    calls += 256;
    elapsed = performance.now() - started;
  }
  return (elapsed * 1e6) / calls;
}

/** ns per call for each backend at `size` bytes, within about `totalMs`. */
export function compareBackends(size: number, totalMs: number): Measurement[] {
  const share = totalMs / 3;
  const results: Measurement[] = [];
  const vdso = createApi(createEngine({ backend: 'vdso' }));
  try {
    vdso.getrandom(new Uint8Array(1));
    results.push({ label: `vDSO getrandom(${size} B)`, nsPerCall: timeIt((bytes) => vdso.getrandom(bytes), size, share) });
  } catch {
    // No vDSO getrandom here; the comparison shows what there is.
  }
  try {
    const syscall = createApi(createEngine({ backend: 'syscall' }));
    syscall.getrandom(new Uint8Array(1));
    results.push({ label: `getrandom syscall (${size} B)`, nsPerCall: timeIt((bytes) => syscall.getrandom(bytes), size, share) });
  } catch {
    // Not Linux.
  }
  // Loaded here, not at start-up: `vgetrandom uuid` never needs node:crypto.
  const { randomFillSync } = process.getBuiltinModule('node:crypto');
  results.push({ label: `crypto.randomFillSync(${size} B)`, nsPerCall: timeIt((bytes) => randomFillSync(bytes), size, share) });
  return results;
}

// C allocators through the C ABI: the two examples built with cc, sound and with each planted
// bug, fuzzed in this process with the kernel as oracle (every state used in a real vDSO
// getrandom call) where the host has vDSO getrandom.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { discoverParams } from '@vgetrandom/params';
import { afterAll, describe, expect, it } from 'vitest';
import { cAllocator, fuzzCAllocator, runAllocatorCase } from '../src/index.js';
import { cEnvironment } from '../src/fuzz-allocator.js';

const hasCc = process.platform === 'linux' && spawnSync('cc', ['--version']).status === 0;
const directory = mkdtempSync(join(tmpdir(), 'vgetrandom-fuzz-c-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const examples = fileURLToPath(new URL('../examples/c/', import.meta.url));

/** Builds an example with a planted bug (or none) into its own library, once (the loader keeps a library open by its path). */
const built = new Map<string, string>();
function build(example: string, plant?: string): string {
  const library = join(directory, `lib${example}${plant ? `-${plant}` : ''}.so`);
  if (built.has(library)) return library;
  built.set(library, library);
  execFileSync('cc', ['-shared', '-fPIC', '-O2', '-Wall', '-Wextra', '-Werror', ...(plant ? [`-D${plant}`] : []), '-o', library, join(examples, `${example}.c`)]);
  return library;
}

describe.skipIf(!hasCc)('fuzzing C allocators (needs Linux and cc)', () => {
  const vdso = process.platform === 'linux' && discoverParams().supported;

  it.each(['page-lifo', 'bitmap'])('%s: the sound example passes, on the kernel\'s own memory where the host has vDSO getrandom', (example) => {
    const report = fuzzCAllocator(build(example), { runs: 150, seed: 1 });
    expect(report.ok, report.failure?.message).toBe(true);
    expect(report.native).toBe(vdso);
    expect(report.contract.rejects).toEqual(['double-free', 'foreign', 'misaligned']);
    expect(report.operations).toBeGreaterThan(1000);
  });

  it.each([
    ['page-lifo', 'PLANT_STRADDLE', /straddle: the state at 0x[0-9a-f]+ crosses a page boundary/],
    ['page-lifo', 'PLANT_DOUBLE_PUSH', /duplicate allocation/],
    ['page-lifo', 'PLANT_NO_DOUBLE_FREE_CHECK', /a second free of 0x[0-9a-f]+: the contract says it refuses this/],
    ['bitmap', 'PLANT_FREE_WRONG_BIT', /duplicate allocation|stats\(\)\.inUse|vgr_check\(\) returned/],
    ['bitmap', 'PLANT_IN_USE_DRIFT', /stats\(\)\.inUse is \d+; the shadow record holds \d+|vgr_check\(\) returned 1/],
    ['bitmap', 'PLANT_ACCEPTS_INTERIOR', /inside a held state: the contract says it refuses this, but free\(\) accepted it/],
  ])('%s with -D%s: found and shrunk', (example, plant, message) => {
    const library = build(example, plant);
    const report = fuzzCAllocator(library, { runs: 400, seed: 11 });
    expect(report.ok).toBe(false);
    expect(report.failure!.message).toMatch(message);
    expect(report.failure!.operations.length).toBeLessThanOrEqual(4);
    // The shrunk case replays on the planted build and runs clean on the sound one.
    const { environment } = cEnvironment();
    expect(runAllocatorCase(cAllocator(library).factory, report.contract, report.failure!.operations, environment).ok).toBe(false);
    expect(runAllocatorCase(cAllocator(build(example)).factory, report.contract, report.failure!.operations, environment).ok).toBe(true);
  });

  it('refuses a library that lacks the ABI, naming the missing function', () => {
    const library = join(directory, 'libempty.so');
    execFileSync('cc', ['-shared', '-fPIC', '-o', library, '-x', 'c', '-'], { input: 'int unrelated(void) { return 0; }\n' });
    expect(() => cAllocator(library)).toThrow(expect.objectContaining({ code: 'ERR_SYMBOL_MISSING', message: expect.stringContaining('vgr_init') }));
  });
});

describe('fuzzAllocator on real MAP_DROPPABLE memory (needs vDSO getrandom)', () => {
  const vdso = process.platform === 'linux' && discoverParams().supported;

  it.skipIf(!vdso)('runs a JavaScript allocator on the kernel\'s pages at the kernel\'s state size, every state used in a real vDSO call (needs vDSO getrandom)', async () => {
    const { lifo, rejects } = (await import('../examples/lifo.mjs' as string)) as { lifo: (options?: { plant?: string }) => import('../src/index.js').AllocatorFactory; rejects: import('../src/index.js').Rejection[] };
    const { fuzzAllocator } = await import('../src/index.js');
    const report = fuzzAllocator(lifo(), { rejects, native: true, runs: 60, seed: 2 });
    expect(report.ok, report.failure?.message).toBe(true);
    const discovery = discoverParams();
    expect(report.contract.stateSize).toBe(discovery.supported ? discovery.params.sizeOfOpaqueState : 0);
    // A planted straddle is still caught (by the shadow record before the kernel would refuse it).
    expect(fuzzAllocator(lifo({ plant: 'straddle' }), { rejects, native: true, runs: 200, seed: 2 }).failure?.message).toMatch(/straddle/);
    // On real memory the sizes are the kernel's and the host's: a different one is refused.
    expect(() => fuzzAllocator(lifo(), { native: true, stateSize: 100 })).toThrow(/stateSize is the kernel's/);
  });
});

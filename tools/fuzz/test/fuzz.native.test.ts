// Smoke runs of the targets that need the kernel: real droppable pages, the facade on
// several workers, and worker churn against the shared pool.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findingsDirectory, readFinding } from '../src/finding.js';
import { nativeHooks, vdsoAdvertisesGetrandom } from '../src/native.js';
import { TargetUnavailable, requireNativeHooks, runNamedTarget, replay } from '../src/targets.js';

const hooks = nativeHooks();
const why = typeof hooks === 'string' ? hooks : undefined;

describe.skipIf(why !== undefined)(`native targets (skipped: ${why ?? 'not skipped'})`, () => {
  it('slab-native: every state works in a real vgetrandom call, across page drops (400 cases of up to 60 operations)', async () => {
    const summary = await runNamedTarget('slab-native', { seed: 7, runs: 400, dryRun: true });
    expect(summary.finding).toBeUndefined();
    expect(summary.runs).toBe(400);
  }, 90_000);

  it('facade: 2 workers at once, no crash, parity with node:crypto, no repeated output, every output path judged', async () => {
    const summary = (await runNamedTarget('facade', { seed: 7, runs: 16_000, workers: 2, dryRun: true })) as Awaited<ReturnType<typeof runNamedTarget>> & { judged: string[] };
    expect(summary.finding?.invariant).toBeUndefined();
    expect(summary.runs).toBe(16_000);
    for (const path of ['byte frequencies', 'bit balance of .* 16-byte getrandom outputs', 'bit balance of .* UUIDs', 'randomInt\\(0, 6\\)', 'randomInt\\(0, 3221225472\\)', 'randomInt\\(0, 281474976710655\\)']) {
      expect(summary.judged.some((name) => new RegExp(path).test(name)), `${path} was not judged`).toBe(true);
    }
  }, 60_000);

  it('facade: catches the 0.1.0 randomInt (32 bits modulo the range) by its distribution', async () => {
    const summary = await runNamedTarget('facade', { seed: 7, runs: 16_000, workers: 2, dryRun: true, facadeMutant: 'modulo-randomInt' });
    expect(summary.finding?.invariant).toMatch(/^distribution: randomInt/);
  }, 60_000);

  it.each([
    ['inclusive-randomInts', /randomInts\(/],
    ['short-randomUUIDs', /randomUUIDs\(/],
    ['insecure-random-flags', /accepted flags [67], which getrandom\(2\) refuses with EINVAL/],
  ] as const)('facade: catches the %s mutant of a function node:crypto has no twin for, by its own contract', async (mutant, message) => {
    const summary = await runNamedTarget('facade', { seed: 7, runs: 4_000, workers: 2, dryRun: true, facadeMutant: mutant });
    expect(summary.finding?.invariant).toMatch(message);
  }, 60_000);

  it('facade: every output function is called, randomUUIDs and randomInts included', async () => {
    const { facadeArbitrary } = await import('../src/targets/facade.js');
    const { default: fc } = await import('fast-check');
    const called = new Set(fc.sample(facadeArbitrary, { seed: 1, numRuns: 300 }).flat().map((call) => call.fn));
    for (const fn of ['getrandom', 'randomFillSync', 'randomBytes', 'randomInt', 'randomInts', 'randomUUID', 'randomUUIDs', 'getRandomValues', 'hostile']) expect(called, fn).toContain(fn);
  });

  it('pool: 60 workers come and go with random terminations; nothing leaks', async () => {
    const summary = await runNamedTarget('pool', { seed: 7, runs: 60, workers: 8, dryRun: true });
    expect(summary.finding).toBeUndefined();
    expect(summary.runs).toBe(60);
  }, 60_000);

  it('pool: 160 workers, 80 alive at once, grow the shared metadata past its first 64 slots; nothing leaks', async () => {
    const summary = (await runNamedTarget('pool', { seed: 8, runs: 160, dryRun: true })) as Awaited<ReturnType<typeof runNamedTarget>> & { peakWorkers: number; slots: number; busyWorkers: number };
    expect(summary.finding?.invariant).toBeUndefined();
    expect(summary.peakWorkers).toBe(80);
    // A worker refused native setup on a loaded host retries until it holds a state.
    expect(summary.busyWorkers, 'workers that never got a state').toBe(0);
    expect(summary.slots).toBeGreaterThan(64);
  }, 180_000);
});

describe.skipIf(process.platform !== 'linux')('hostile-views (needs Linux)', () => {
  it('3000 lying, proxied, detached and shrunk buffers: nothing written outside the real view', async () => {
    const summary = await runNamedTarget('hostile-views', { seed: 7, runs: 3000, dryRun: true });
    expect(summary.finding).toBeUndefined();
    expect(summary.runs).toBe(3000);
  }, 60_000);

  it('catches the façade that reads view.byteLength (the 0.1.0 code) within 3000 runs, and the case replays', async () => {
    const summary = await runNamedTarget('hostile-views', { seed: 7, runs: 3000, dryRun: true, facadeMutant: 'reads-view-properties' });
    expect(summary.finding?.invariant).toMatch(/outside the real view|decoy|node:crypto/);
    expect(await replay(summary.finding!, { againstMutant: true })).toMatchObject({ reproduced: true });
    expect(await replay(summary.finding!)).toEqual({ reproduced: false });
  }, 60_000);

  it.each(readdirSync(findingsDirectory).filter((name) => name.startsWith('hostile-views')))('committed finding %s replays clean, and reproduces against its mutant', async (name) => {
    const finding = readFinding(join(findingsDirectory, name));
    expect(await replay(finding)).toEqual({ reproduced: false });
    expect(await replay(finding, { againstMutant: true })).toMatchObject({ reproduced: true });
  });
});

describe('native targets on a host that has them', () => {
  it('this host\'s vDSO advertises getrandom exactly when discovery finds it', () => {
    expect(vdsoAdvertisesGetrandom()).toBe(typeof nativeHooks() !== 'string');
  });

  it('"unavailable" on a host whose vDSO exports getrandom is a failure, not a clean run', () => {
    expect(() => requireNativeHooks('slab-native', 'needs vDSO getrandom (no-symbol: a parser regression)', () => true)).toThrow(/regression in our own code/);
    expect(() => requireNativeHooks('slab-native', 'needs Linux', () => false)).toThrow(TargetUnavailable);
  });
});

// Smoke runs of the targets that need the kernel: real droppable pages, the facade on
// several workers, and worker churn against the shared pool.
import { describe, expect, it } from 'vitest';
import { nativeHooks } from '../src/native.js';
import { runNamedTarget } from '../src/targets.js';

const hooks = nativeHooks();
const why = typeof hooks === 'string' ? hooks : undefined;

describe.skipIf(why !== undefined)(`native targets (skipped: ${why ?? 'not skipped'})`, () => {
  it('slab-native: every state works in a real vgetrandom call, across page drops', async () => {
    const summary = await runNamedTarget('slab-native', { seed: 7, runs: 1500, dryRun: true });
    expect(summary.finding).toBeUndefined();
    expect(summary.runs).toBe(1500);
  }, 30_000);

  it('facade: 2 workers at once, no crash, parity with node:crypto, no repeated output', async () => {
    const summary = await runNamedTarget('facade', { seed: 7, runs: 4000, workers: 2, dryRun: true });
    expect(summary.finding).toBeUndefined();
    expect(summary.runs).toBe(4000);
  }, 30_000);

  it('pool: 60 workers come and go with random terminations; nothing leaks', async () => {
    const summary = await runNamedTarget('pool', { seed: 7, runs: 60, dryRun: true });
    expect(summary.finding).toBeUndefined();
    expect(summary.runs).toBe(60);
  }, 60_000);
});

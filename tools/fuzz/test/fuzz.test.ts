// The fuzz tool itself: every pure target runs a bounded smoke, every broken allocator
// is caught, findings replay, and the shadow record is a sound oracle on its own.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findingsDirectory, readFinding } from '../src/finding.js';
import { type MutantName, mutants } from '../src/mutants.js';
import { runTarget } from '../src/runner.js';
import { ShadowRecord, ShadowViolation } from '../src/shadow.js';
import { checkElf, elfArbitrary } from '../src/targets/elf.js';
import { type SlabCase, caseArbitrary, runSlabCase } from '../src/targets/slab.js';
import { replay } from '../src/targets.js';

const SEED = 20261129;

describe('smoke runs of the pure targets', () => {
  it('slab: 300 random configurations and sequences of up to 120 operations, no findings', () => {
    const summary = runTarget<SlabCase>('slab', caseArbitrary(), (input) => runSlabCase(input), { seed: SEED, runs: 300, dryRun: true });
    expect(summary.finding).toBeUndefined();
    expect(summary.runs).toBe(300);
    // Throughput is printed, not asserted: it depends on the machine and its load.
    console.log(`slab smoke: ${summary.operations} operations, ${Math.round(summary.operationsPerSecond)} ops/s`);
  }, 90_000);

  it.each(['glibc-2.41', 'go-1.24', 'selftest-6.11', 'selftest', 'adaptive'] as const)('slab under the %s profile: 150 cases, no findings', (profile) => {
    const summary = runTarget<SlabCase>('slab', caseArbitrary(false, 120, profile), (input) => runSlabCase(input), { seed: SEED, runs: 150, dryRun: true });
    expect(summary.finding).toBeUndefined();
    expect(summary.runs).toBe(150);
  }, 30_000);

  it('elf: mutated, generated and looped images: a VdsoParseError or the answer the image holds', () => {
    const summary = runTarget('elf', elfArbitrary(), checkElf(), { seed: SEED, runs: 20_000, dryRun: true });
    expect(summary.finding).toBeUndefined();
    expect(summary.runs).toBe(20_000);
  }, 30_000);
});

describe('the slab target finds real bugs', () => {
  it.each(Object.keys(mutants) as MutantName[])('catches the %s mutant within the smoke budget (600 runs), and the case replays', async (mutant) => {
    const summary = runTarget<SlabCase>('slab', caseArbitrary(), (input) => runSlabCase(input, { mutant }), { seed: SEED, runs: 600, dryRun: true, mutant });
    expect(summary.finding, `${mutant} was not caught`).toBeDefined();
    const finding = summary.finding!;
    // Shrunk to a short sequence (cases start at up to 120 operations).
    expect((finding.input as SlabCase).ops.length).toBeLessThanOrEqual(15);
    expect(await replay(finding, { againstMutant: true })).toMatchObject({ reproduced: true });
    expect(await replay(finding)).toEqual({ reproduced: false });
  }, 90_000);

  it.each(Object.keys(mutants) as MutantName[])('the shadow record alone (no checkInvariants) catches %s', (mutant) => {
    const result = fc.check(
      fc.property(caseArbitrary(), (input) => runSlabCase(input, { mutant, invariants: false }).ok),
      { seed: SEED, numRuns: 2000 },
    );
    expect(result.failed, `${mutant} escaped the shadow record`).toBe(true);
  }, 90_000);
});

describe('committed findings are regression tests', () => {
  const files = readdirSync(findingsDirectory).filter((name) => name.endsWith('.json'));

  it('there are committed findings', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  // Targets that call native code replay in fuzz.native.test.ts.
  it.each(files.filter((name) => !['slab-native', 'pool', 'hostile-views'].some((target) => name.startsWith(target))))('%s replays clean against the real code', async (name) => {
    const finding = readFinding(join(findingsDirectory, name));
    expect(await replay(finding)).toEqual({ reproduced: false });
    if (finding.mutant) expect(await replay(finding, { againstMutant: true })).toMatchObject({ reproduced: true });
    // The facade findings replay a distribution sample twice: over 30 s when the whole suite
    // shares two cores (a fresh-clone npm test timed out here once).
  }, 120_000);
});

describe('ShadowRecord', () => {
  const shadow = () => {
    const record = new ShadowRecord(144, 4096);
    record.mapped(0x10000, 8192);
    return record;
  };
  const violation = (action: () => void) => {
    try {
      action();
    } catch (error) {
      expect(error).toBeInstanceOf(ShadowViolation);
      return error as ShadowViolation;
    }
    throw new Error('no violation');
  };

  it('reports a duplicate allocation with its allocation and free sites', () => {
    const record = shadow();
    record.allocated(0x10000, 1);
    record.freed(0x10000, 2);
    record.allocated(0x10000, 3);
    const found = violation(() => record.allocated(0x10000, 4));
    expect(found.message).toMatch(/duplicate allocation/);
    // The free site is the last free of that address: the one that made it available again.
    expect([found.allocationSite, found.freeSite]).toEqual(['operation 3', 'operation 2']);
  });

  it.each([
    ['overlap', (record: ShadowRecord) => { record.allocated(0x10000, 1); record.allocated(0x10040, 2); }, /overlap/],
    ['straddle', (record: ShadowRecord) => record.allocated(0x10000 + 4096 - 64, 1), /straddle/],
    ['unmapped memory', (record: ShadowRecord) => record.allocated(0x40000, 1), /not mapped/],
    ['orphaned free', (record: ShadowRecord) => record.freed(0x10000, 1), /orphaned free/],
  ])('reports %s', (_label, action, message) => {
    expect(violation(() => action(shadow())).message).toMatch(message);
  });
});

describe('the backends target', () => {
  it('runs 3000 scripted hosts on the real engine with no finding, and covers every path: fallbacks, retries, short counts, EINTR, caller errors', async () => {
    const { backendsArbitrary, checkBackends } = await import('../src/targets/backends.js');
    const { default: fc } = await import('fast-check');
    const seen = new Set<string>();
    const check = checkBackends(undefined, seen);
    for (const input of fc.sample(backendsArbitrary, { seed: 3, numRuns: 3000 })) {
      const outcome = check(input);
      expect(outcome.ok, outcome.ok ? '' : outcome.message).toBe(true);
    }
    for (const path of ['backend vdso', 'backend syscall', 'backend crypto', 'fallback from vdso', 'fallback from syscall', 'retry scheduled', 'retried the vDSO', 'vdso answered short', 'syscall answered short', 'vdso answered errno 4', 'syscall answered errno 4', 'surfaced EAGAIN', 'surfaced EINVAL']) {
      expect(seen, path).toContain(path);
    }
  });
});

describe('the tool never crashes on its own', () => {
  it('a check that throws (as BigInt(NaN) from a broken pool did) is a finding with the error, shrunk and replayable, not a crash', async () => {
    const { runTarget } = await import('../src/runner.js');
    const { default: fc } = await import('fast-check');
    const summary = runTarget('interleave', fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1 }), (input) => {
      if (input.includes(7)) BigInt(Number.NaN);
      return { ok: true, operations: input.length };
    }, { seed: 1, runs: 500, dryRun: true });
    expect(summary.findings).toBe(1);
    expect(summary.finding!.invariant).toBe('threw RangeError: The number NaN cannot be converted to a BigInt because it is not an integer');
    expect(summary.finding!.input).toContain(7);
    expect((summary.finding!.input as number[]).length).toBeLessThanOrEqual(2);
  });
});

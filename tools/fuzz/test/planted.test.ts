// Planted bugs in the real sources (src/source-mutants.ts): each is caught by the target
// it names, through the same entry point as `npm run fuzz -- <target> --mutant NAME`,
// within a run budget, and its finding replays against the mutant and not against the real
// code. Hangs go through the watchdog: found, shrunk, replayed in a worker.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFinding } from '../src/finding.js';
import { type SourceMutantName, sourceMutants } from '../src/source-mutants.js';
import { replay, runNamedTarget } from '../src/targets.js';
import { smallerCases } from '../src/watchdog.js';

const SEED = 20261130;
const planted = Object.keys(sourceMutants) as SourceMutantName[];

describe('planted bugs are caught by their target', () => {
  it.each(planted)('%s', async (name) => {
    const mutant = sourceMutants[name];
    const target = mutant.target;
    const summary = await runNamedTarget(target, { seed: SEED, runs: 3000, sourceMutant: name, dryRun: true, hangMs: 1000, hangShrinkMs: 8000 });
    expect(summary.finding, `${name} escaped ${target}`).toBeDefined();
    const finding = summary.finding!;
    expect(finding.mutant).toBe(name);
    if (mutant.caughtAs.startsWith('a hang')) expect(finding.kind).toBe('hang');
    else expect(finding.kind).toBeUndefined();
    expect(await replay(finding, { againstMutant: true })).toMatchObject({ reproduced: true });
    expect(await replay(finding)).toEqual({ reproduced: false });
  }, 60_000);

  it('a mutant whose edit no longer matches its source fails loudly', () => {
    for (const [name, mutant] of Object.entries(sourceMutants)) {
      const source = readFileSync(join(import.meta.dirname, '..', '..', '..', 'packages', mutant.package, mutant.file), 'utf8');
      expect(source.split(mutant.find).length - 1, `${name}: its edit must match ${mutant.file} exactly once`).toBe(1);
    }
  });

  it('every planted bug has a committed finding', () => {
    for (const name of planted) {
      const target = sourceMutants[name].target;
      const finding = readFinding(join(import.meta.dirname, '..', 'findings', `${target}-mutant-${name}.json`));
      expect(finding.mutant).toBe(name);
    }
  });
});

describe('shrinking a hang', () => {
  it('cuts arrays at any depth before it touches numbers, and never grows a case', () => {
    const input = { config: { size: 8 }, ops: [1, 2, 3, 4] };
    const cuts = [...smallerCases(input, 'cuts')];
    expect(cuts[0]).toEqual({ config: { size: 8 }, ops: [3, 4] });
    expect(cuts).toContainEqual({ config: { size: 8 }, ops: [1, 2, 4] });
    expect(cuts.every((cut) => JSON.stringify(cut).length < JSON.stringify(input).length)).toBe(true);
    expect([...smallerCases(input, 'numbers')]).toContainEqual({ config: { size: 4 }, ops: [1, 2, 3, 4] });
    expect([...smallerCases(0, 'numbers')]).toEqual([]);
  });
});

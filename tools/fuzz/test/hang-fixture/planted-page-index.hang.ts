// The real planted bugs behind issue 28's item 10: an endless probe in the page index and an
// unbounded DT_HASH chain walk, each replaying its committed finding.
import { fileURLToPath } from 'node:url';
import { it } from 'vitest';
import { readFinding } from '../../src/finding.js';
import { loadSourceMutant } from '../../src/source-mutants.js';
import { type SlabCase, runSlabCase } from '../../src/targets/slab.js';
import type * as Slab from '@vgetrandom/slab';

const finding = (name: string) => readFinding(fileURLToPath(new URL(`../../findings/${name}`, import.meta.url)));

it('the page index with its endless probe (page-index-fills-up)', async () => {
  const slab = await loadSourceMutant<typeof Slab>('page-index-fills-up');
  runSlabCase(finding('slab-mutant-page-index-fills-up.json').input as SlabCase, { implementation: slab.SlabAllocator });
});


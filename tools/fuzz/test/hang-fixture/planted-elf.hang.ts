// The real planted bugs behind issue 28's item 10: an endless probe in the page index and an
// unbounded DT_HASH chain walk, each replaying its committed finding.
import { fileURLToPath } from 'node:url';
import { it } from 'vitest';
import { readFinding } from '../../src/finding.js';
import { loadSourceMutant } from '../../src/source-mutants.js';
import { checkElf, type ElfCase } from '../../src/targets/elf.js';
import type * as Vdso from '@vgetrandom/vdso';

const finding = (name: string) => readFinding(fileURLToPath(new URL(`../../findings/${name}`, import.meta.url)));

it('the ELF hash-chain walk with no bound (sysv-chain-unbounded)', async () => {
  const vdso = await loadSourceMutant<typeof Vdso>('sysv-chain-unbounded');
  checkElf(vdso)(finding('elf-mutant-sysv-chain-unbounded.json').input as ElfCase);
});

// Short fuzz runs for StrykerJS (npm run mutate): the elf target of tools/fuzz and its
// real-image corpus, against this package's src/ (vitest.mutate.config.ts points
// @vgetrandom/vdso at it), so each mutant also meets the generated-image oracle, the
// BigInt hash definitions and readelf's answers. Not part of npm test (tools/fuzz runs them there).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { expect, it } from 'vitest';

/** The repository root: Stryker runs this file from a copy of the package. */
function repositoryRoot(): string {
  for (let directory = dirname(fileURLToPath(import.meta.url)); directory !== dirname(directory); directory = dirname(directory)) {
    if (existsSync(join(directory, 'tools', 'fuzz', 'src', 'targets', 'elf.ts'))) return directory;
  }
  throw new Error('tools/fuzz not found above this file');
}
const fuzz = (path: string) => import(pathToFileURL(join(repositoryRoot(), 'tools', 'fuzz', path)).href);

it('elf target: 1500 mutated, generated and looped images', async () => {
  const { checkElf, elfArbitrary } = await fuzz('src/targets/elf.ts');
  const check = checkElf();
  const result = fc.check(
    fc.property(elfArbitrary(), (input: unknown) => {
      const outcome = check(input);
      if (!outcome.ok) throw new Error(outcome.message);
    }),
    { seed: 20261130, numRuns: 1500 },
  );
  expect(result.failed ? String(result.errorInstance) : '').toBe('');
});

it('the corpus of real images against readelf', async () => {
  const { corpusImages, readelfRows } = await fuzz('src/corpus.ts');
  const { parseVdso } = await import('@vgetrandom/vdso');
  const { compareWithReadelf } = await import('../src/readelf.js');
  for (const image of corpusImages()) {
    const parsed = parseVdso(image.bytes);
    expect(compareWithReadelf(parsed, readelfRows(image))).toEqual([]);
    const exported = image.symbols.filter((symbol: { type: string; bind: string; ndx: string }) => ['FUNC', 'NOTYPE'].includes(symbol.type) && ['GLOBAL', 'WEAK'].includes(symbol.bind) && symbol.ndx !== 'UND');
    for (const symbol of exported) expect(parsed.lookup(symbol.name, symbol.version ?? undefined)?.value).toBe(BigInt(symbol.value));
  }
});

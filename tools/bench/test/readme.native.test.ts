// One source for every figure (issue 26, item 7): each README's performance figures are the
// blocks `npm run bench:readme` writes from the saved run, and nothing else in a README
// looks like a measurement.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const generator = fileURLToPath(new URL('../dist/readme.js', import.meta.url));
const readmes = ['README.md', 'packages/getrandom/README.md', 'packages/slab/README.md', 'packages/sys/README.md', 'packages/vdso/README.md', 'packages/params/README.md', 'apps/demo/README.md'];
const check = (where: string) => spawnSync(process.execPath, [generator, '--check', '--root', where], { encoding: 'utf8' });

describe('README figures', () => {
  it('every generated block agrees with the saved run (tools/bench/results/latest.json)', () => {
    const result = check(root);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('the check catches a figure edited by hand', () => {
    const copy = mkdtempSync(join(tmpdir(), 'readmes-'));
    try {
      for (const file of readmes) {
        mkdirSync(dirname(join(copy, file)), { recursive: true });
        cpSync(join(root, file), join(copy, file));
      }
      expect(check(copy).status).toBe(0);
      const slab = join(copy, 'packages/slab/README.md');
      const text = readFileSync(slab, 'utf8');
      const edited = text.replace(/(<!-- bench:slab:start -->[\s\S]*?)(\d+\.\d+)×/, (_match, before: string, figure: string) => `${before}${(Number(figure) + 0.01).toFixed(2)}×`);
      expect(edited).not.toBe(text);
      writeFileSync(slab, edited);
      const result = check(copy);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('packages/slab/README.md: the slab block differs');
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it.each(readmes)('%s has no measurement outside the generated blocks', (file) => {
    const text = readFileSync(join(root, file), 'utf8').replace(/<!-- bench:(?:[a-z]+:)?start -->[\s\S]*?<!-- bench:(?:[a-z]+:)?end -->/g, '');
    const figures = text.split('\n').filter((line) => /\d[\d ]*(\.\d+)?\s?(ns|µs|MB\/s|MiB\/s|GB\/s)\b|\d+\.\d+×|\d+(\.\d+)?x faster/.test(line));
    expect(figures).toEqual([]);
  });
});

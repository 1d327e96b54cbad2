// The README's runnable examples (the extension points), run as written against the built
// package: each `<!-- example: NAME -->` block is saved as NAME.mjs and run with node, and
// what it prints must be its `// prints:` comments, line for line.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageRoot = join(import.meta.dirname, '..');
const readme = readFileSync(join(packageRoot, 'README.md'), 'utf8');
const examples = [...readme.matchAll(/<!-- example: ([\w-]+) -->\n```js\n([\s\S]*?)```/g)].map((match) => [match[1]!, match[2]!] as const);

describe("the README's runnable examples", () => {
  it('has the PageSource and ProfileHost examples', () => {
    expect(examples.map(([name]) => name)).toEqual(['arena-source', 'profile-host']);
  });

  it.each(examples)('%s.mjs prints what the README says', (name, code) => {
    const directory = mkdtempSync(join(tmpdir(), 'vgetrandom-slab-readme-'));
    const file = join(directory, `${name}.mjs`);
    // As an installed package resolves: its built entry point.
    writeFileSync(file, code.replaceAll("from '@vgetrandom/slab'", `from '${pathToFileURL(join(packageRoot, 'dist', 'index.js')).href}'`));
    const printed = execFileSync(process.execPath, [file], { encoding: 'utf8' }).trimEnd().split('\n');
    const promised = [...code.matchAll(/^\/\/ prints: (.*)$/gm)].map((match) => match[1]);
    expect(promised.length).toBeGreaterThan(0);
    expect(printed).toEqual(promised);
  });
});

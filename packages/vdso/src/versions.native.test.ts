// A name defined under two versions, as real linkers write it: lookup(name) must return the
// default (@@) definition as dlsym() does, wherever the hidden (@) one sits in the hash chain.
// The images are real shared objects built here with cc and a version script, in every
// order of definition and every hash-table style; readelf, not our parser, says which
// definition is the default.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseVdso } from './parse.js';

function has(command: string): boolean {
  try {
    execFileSync(command, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const tools = process.platform === 'linux' && has('cc') && has('readelf');
const directory = tools ? mkdtempSync(join(tmpdir(), 'vgetrandom-versions-')) : '';

/** Builds a shared object defining __vdso_getrandom@LINUX_2.5 (hidden) and @@LINUX_2.6. */
function build(style: 'gnu' | 'sysv' | 'both', oldFirst: boolean, extra: number): string {
  const name = join(directory, `versions-${style}-${oldFirst ? 'old' : 'new'}-${extra}.so`);
  const definitions = [
    'long old_getrandom(void *b, unsigned long n, unsigned f) { return 1; }\n__asm__(".symver old_getrandom,__vdso_getrandom@LINUX_2.5");',
    'long new_getrandom(void *b, unsigned long n, unsigned f) { return 2; }\n__asm__(".symver new_getrandom,__vdso_getrandom@@LINUX_2.6");',
  ];
  if (!oldFirst) definitions.reverse();
  // Extra functions change the bucket count and where the two land in their chain.
  const fillers = Array.from({ length: extra }, (_, index) => `long __vdso_filler${index}(void) { return ${index}; }`);
  writeFileSync(`${name}.c`, [...fillers, ...definitions].join('\n'));
  writeFileSync(`${name}.map`, `LINUX_2.5 { global: __vdso_getrandom; ${fillers.map((_, index) => `__vdso_filler${index};`).join(' ')} local: *; };\nLINUX_2.6 { global: __vdso_getrandom; } LINUX_2.5;\n`);
  execFileSync('cc', ['-shared', '-fPIC', '-nostdlib', '-O0', `-Wl,--hash-style=${style}`, `-Wl,--version-script=${name}.map`, '-o', name, `${name}.c`]);
  return name;
}

const images = (['gnu', 'sysv', 'both'] as const).flatMap((style) => [true, false].flatMap((oldFirst) => [0, 3].map((extra) => ({ style, oldFirst, extra }))));

describe.skipIf(!tools)('a name under two versions (needs cc and readelf)', () => {
  it.each(images)('$style hash, old defined first: $oldFirst, $extra other symbols', ({ style, oldFirst, extra }) => {
    const path = build(style, oldFirst, extra);
    const listing = execFileSync('readelf', ['--dyn-syms', '--wide', path], { encoding: 'utf8' });
    // readelf marks the default version with @@ and a hidden one with @ (or (2) in older binutils).
    expect(listing).toMatch(/__vdso_getrandom@@LINUX_2\.6/);
    expect(listing).toMatch(/__vdso_getrandom@LINUX_2\.5/);
    const image = parseVdso(new Uint8Array(readFileSync(path)));
    expect(image.lookup('__vdso_getrandom')).toMatchObject({ version: 'LINUX_2.6', hidden: false });
    expect(image.lookup('__vdso_getrandom', 'LINUX_2.5')).toMatchObject({ version: 'LINUX_2.5', hidden: true });
    expect(image.lookup('__vdso_getrandom', 'LINUX_2.6')).toMatchObject({ version: 'LINUX_2.6', hidden: false });
    const listed = image.symbols().filter((symbol) => symbol.name === '__vdso_getrandom');
    expect(listed.map((symbol) => `${symbol.version}${symbol.hidden ? ' hidden' : ''}`).sort()).toEqual(['LINUX_2.5 hidden', 'LINUX_2.6']);
  });
});

// The linker rule against the real thing: for system libraries, every dynamic symbol name
// (and every name with its version) is looked up by this machine's dynamic linker, through
// dlsym() and dlvsym() in a small C probe (__fixtures__/dlsym-probe.c), and by lookup()
// under the linker rule. They must agree on whether the library itself defines it and, where
// the address is the symbol's value, on the value. Host-dependent: skipped, saying so,
// without a C compiler or off glibc.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseElf } from './parse.js';

const compiler = ['cc', 'gcc', 'clang'].find((name) => spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0);
const glibc = process.platform === 'linux' && (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime !== undefined;
const LIBRARIES = ['libc.so.6', 'libm.so.6', 'libstdc++.so.6', 'libgcc_s.so.1', 'libz.so.1', 'libcrypto.so.3'];
const DIRECTORIES = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/lib64', '/usr/lib64', '/lib', '/usr/lib'];

function locate(library: string): string | undefined {
  return DIRECTORIES.map((directory) => join(directory, library)).find((path) => existsSync(path));
}

let probe: string | undefined;
function buildProbe(): string {
  if (probe) return probe;
  const output = join(mkdtempSync(join(tmpdir(), 'vgetrandom-dlsym-')), 'dlsym-probe');
  execFileSync(compiler!, ['-O1', '-o', output, new URL('./__fixtures__/dlsym-probe.c', import.meta.url).pathname, '-ldl']);
  probe = output;
  return output;
}

const found = LIBRARIES.map((library) => [library, locate(library)] as const).filter((entry): entry is readonly [string, string] => entry[1] !== undefined);

describe.skipIf(!compiler || !glibc)('the linker rule agrees with glibc dlsym() and dlvsym() (skipped: needs cc and glibc)', () => {
  it('finds libraries to ask about', () => {
    expect(found.map(([library]) => library)).toContain('libc.so.6');
  });

  it.each(found)('%s: every name, with and without its version', (_library, path) => {
    const image = parseElf(readFileSync(path));
    const symbols = image.symbols();
    // Every defined name, once without a version and once with each version it has.
    const names = new Set<string>();
    const queries: Array<{ name: string; version?: string }> = [];
    for (const symbol of symbols) {
      if (symbol.name === '' || symbol.name.includes(' ')) continue;
      if (!names.has(symbol.name)) {
        names.add(symbol.name);
        queries.push({ name: symbol.name });
      }
      if (symbol.version !== undefined) queries.push({ name: symbol.name, version: symbol.version });
    }
    queries.push({ name: 'vgetrandom_no_such_symbol' }, { name: 'strlen', version: 'NO_SUCH_VERSION' });
    const answers = execFileSync(buildProbe(), [path], { input: queries.map((query) => (query.version ? `${query.name} ${query.version}` : query.name)).join('\n') + '\n', encoding: 'utf8', maxBuffer: 1 << 26 }).trimEnd().split('\n');
    expect(answers).toHaveLength(queries.length);
    const differences: string[] = [];
    queries.forEach((query, position) => {
      const answer = answers[position]!;
      const ours = image.lookup(query.name, query.version, { rule: 'linker' });
      const what = `${query.name}${query.version ? ` ${query.version}` : ''}`;
      if (!ours) {
        // Not defined here by the rule: glibc finds nothing, or finds it in a dependency.
        if (answer !== 'none' && answer !== 'elsewhere') differences.push(`${what}: glibc ${answer}, ours nothing`);
        return;
      }
      if (ours.type === 'tls') {
        if (answer !== 'unmapped') differences.push(`${what}: a TLS variable here, glibc ${answer}`);
      } else if (ours.section === 0xfff1 && ours.value === 0n) {
        if (answer !== 'zero') differences.push(`${what}: absolute 0 here, glibc ${answer}`);
      } else if (ours.type === 'ifunc') {
        // dlsym() calls an IFUNC's resolver and returns its answer, which may lie in another
        // object (libc's time and gettimeofday resolve to the vDSO's): found is what compares.
        if (answer === 'none' || answer === 'zero') differences.push(`${what}: an IFUNC here, glibc ${answer}`);
      } else if (answer !== `here ${ours.value.toString(16)}`) {
        differences.push(`${what}: 0x${ours.value.toString(16)} here, glibc ${answer}`);
      }
    });
    expect(differences.slice(0, 20)).toEqual([]);
    expect(queries.length).toBeGreaterThan(10);
  });
});

// The fuzz CLI as users run it through npm: from the repository root, with paths relative to
// where they typed the command (npm itself runs the script in tools/fuzz and says where the
// user was in INIT_CWD); their allocator by --allocator; findings in a git-ignored folder.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const tool = fileURLToPath(new URL('..', import.meta.url));
const root = fileURLToPath(new URL('../../..', import.meta.url));
const cli = join(tool, 'dist', 'cli.js');
/** As `npm run fuzz -- ...` from `from`: the script runs in tools/fuzz, INIT_CWD says where the user was. */
const fuzz = (args: string[], from = root) => spawnSync(process.execPath, [cli, ...args], { cwd: tool, encoding: 'utf8', env: { ...process.env, INIT_CWD: from, NO_COLOR: '1' } });
const scratch = mkdtempSync(join(tmpdir(), 'vgetrandom-fuzz-cli-'));
const written: string[] = [];
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  for (const file of written) rmSync(file, { force: true });
});

describe('npm run fuzz from the repository root', () => {
  it('replays a committed finding by the path the README gives, relative to the root', () => {
    const result = fuzz(['--replay', 'tools/fuzz/findings/slab-mutant-double-push.json', '--against-mutant']);
    expect(result.stdout).toMatch(/^reproduced \(slab\)/);
    expect(result.status).toBe(1);
  });

  it('says where it looked when a finding is not there', () => {
    const result = fuzz(['--replay', 'tools/fuzz/findings/nope.json']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`--replay tools/fuzz/findings/nope.json: no such file (looked in ${root}`);
  });

  it('fuzzes the example allocator by its path from the root, clean', () => {
    const result = fuzz(['slab', '--allocator', 'tools/fuzz/examples/lifo.mjs', '--runs', '50', '--seed', '1']);
    expect(result.stdout).toMatch(/^tools\/fuzz\/examples\/lifo\.mjs: 50 runs, .* seed 1: no findings/);
    expect(result.status).toBe(0);
  });

  it('writes a finding of a user\'s allocator to the git-ignored findings/local, with sites and a replay command that works from where the user is', () => {
    const module = join(scratch, 'buggy.mjs');
    writeFileSync(module, `import { lifo, rejects as all } from ${JSON.stringify(join(tool, 'examples', 'lifo.mjs'))};\nexport const rejects = all;\nexport default lifo({ plant: 'double-push' });\n`);
    const result = fuzz(['slab', '--allocator', 'buggy.mjs', '--runs', '300', '--seed', '7'], scratch);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/broken: duplicate allocation: 0x[0-9a-f]+ handed out while still held \(allocated at operation \d+, freed at operation \d+\)/);
    const path = /case file: (\S+)/.exec(result.stdout)![1]!;
    const absolute = join(tool, 'findings', 'local', path.split('/').at(-1)!);
    written.push(absolute);
    expect(existsSync(absolute)).toBe(true);
    const finding = JSON.parse(readFileSync(absolute, 'utf8')) as { target: string; allocationSite?: string; freeSite?: string; input: { allocator: { module: string } } };
    expect(finding.target).toBe('allocator');
    expect(finding.input.allocator.module).toBe(module);
    expect([finding.allocationSite, finding.freeSite]).toEqual([expect.stringMatching(/^operation \d+$/), expect.stringMatching(/^operation \d+$/)]);
    expect(spawnSync('git', ['check-ignore', '-q', absolute], { cwd: root }).status).toBe(0);
    // The printed replay command, run from the same place.
    const replayCommand = /replay: {4}npm run fuzz -- (.+)$/m.exec(result.stdout)![1]!.split(' ');
    const again = fuzz(replayCommand, scratch);
    expect(again.stdout).toMatch(/^reproduced \(allocator\): duplicate allocation/);
  });

  it.each([
    [['elf', '--allocator', 'x.mjs'], /--allocator and --allocator-lib go with the slab target/],
    [['slab', '--allocator', 'a.mjs', '--allocator-lib', 'b.so'], /not both/],
    [['slab', '--allocator', 'tools/fuzz/examples/lifo.mjs', '--rejects', 'triple'], /--rejects lists frees from double-free, foreign, misaligned/],
    [['slab', '--allocator', 'missing.mjs'], /could not load the allocator module .*missing\.mjs/],
    [['slab', '--native'], /--native goes with --allocator or --allocator-lib/],
    [['slab', '--allocator-lib', 'tools/fuzz/examples/c/page-lifo.c', '--runs', '1'], /could not open .*page-lifo\.c/],
  ])('%j is a usage error (exit 2) that says what to do', (args, message) => {
    const result = fuzz(args);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});

// The scenario comparison's parts, on text a probe could print: pages named by first
// appearance, the slot a step changed, and the profile through the same events.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { computeGeometry, parseScenario, profileSettings, threadEvents } from '@vgetrandom/slab';
import { describe, expect, it } from 'vitest';
import { parseProbeSteps, profileSteps, realSteps } from '../src/schedule.js';

const geometry = computeGeometry(144, 4096, 64);
const host = { reportedCacheLine: 64, onlineCpus: 2, affinityCpus: 2 };
const free = (count: number) => '.'.repeat(count);

describe('reading a scenario probe', () => {
  it('keeps nonzero and changed granules apart, page by page', () => {
    const steps = parseProbeSteps(['step 0 vma 7f0000000000 7f0000002000 dp -', 'step 0 used 7f0000000000 3856 4112', 'step 0 changed 7f0000000000 4112'].join('\n'), 4096);
    expect([...steps[0]!.pages]).toEqual([
      [0x7f0000000000n, { used: [3856], changed: [] }],
      [0x7f0000001000n, { used: [16], changed: [16] }],
    ]);
  });

  it('names pages in the order they appeared, not by address, and marks the changed slot', () => {
    const output = [
      'step 0 vma 7f0000005000 7f0000006000 dp -',
      'step 0 used 7f0000005000 3856',
      'step 0 changed 7f0000005000 3856',
      // A later page at a lower address (the kernel maps top-down) is still p2.
      'step 1 vma 7f0000001000 7f0000002000 dp -',
      'step 1 vma 7f0000005000 7f0000006000 dp -',
      'step 1 used 7f0000001000 3856',
      'step 1 changed 7f0000001000 3856',
      'step 1 used 7f0000005000 3856',
      'step 1 changed 7f0000005000',
    ].join('\n');
    const [first, second] = realSteps(output, geometry);
    expect(first).toEqual({ pages: [`p1  ${free(20)}*`], stray: 0 });
    expect(second).toEqual({ pages: [`p1  ${free(20)}#`, `p2  ${free(20)}*`], stray: 0 });
  });

  it('counts a changed granule between slots as stray', () => {
    expect(realSteps('step 0 vma 7f0000000000 7f0000001000 dp -\nstep 0 changed 7f0000000000 4080', geometry)[0]!.stray).toBe(1);
  });
});

describe('the profile through a scenario', () => {
  it('glibc-2.41: a state given back at thread exit is the next thread\'s', () => {
    const settings = profileSettings('glibc-2.41', host);
    const steps = profileSteps(settings, geometry, threadEvents(parseScenario('+2,-t1,+1')));
    expect(steps.map((step) => step.pages)).toEqual([
      [`p1  ${free(20)}*`],
      [`p1  ${free(19)}*#`],
      [`p1  ${free(18)}*##`],
      [`p1  ${free(18)}###`],
      [`p1  ${free(18)}#*#`],
    ]);
  });

  it('the 6.12 selftest keeps an ended thread\'s state, so the next thread takes a new slot', () => {
    const settings = profileSettings('selftest', host);
    const steps = profileSteps(settings, geometry, threadEvents(parseScenario('+2,-t1,+1')));
    expect(steps.at(-1)!.pages).toEqual([`p1  ${free(17)}*###`]);
  });

  it('a refill past a page shows as a new page, named after the ones before it', () => {
    const settings = profileSettings('glibc-2.41', host);
    const steps = profileSteps(settings, geometry, threadEvents(parseScenario('+21')));
    expect(steps.at(-1)!.pages).toEqual(['p1  #'.padEnd(4 + 21, '#'), `p2  ${free(20)}*`]);
  });
});

describe('npm run oracle: choosing scenarios', () => {
  const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
  const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

  it.each([
    [['--scenario', '+1,-t2'], /--scenario: -t2: thread 2 is not running then/],
    [['--scenario', '+1,x'], /--scenario: 'x' is not a step/],
    [['--scenario', '+1', '--random', '2'], /give one/],
    [['--scenario', '+1', '--threads', '3'], /--threads and --mode apply to the thread-count runs/],
    [['--random', '0'], /--random takes an integer from 1 to 10000/],
    [['--random', '2', '--length', '1e3'], /--length takes an integer from 1 to 2000/],
    [['--seed', '4'], /--seed and --length apply to --random/],
  ])('%j is a usage error (exit 2) that says what to do', (args, message) => {
    const result = run(args);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/usage: npm run oracle/);
  });
});

describe('reading the release probe', () => {
  it('finds the threads stuck on the system call only when all of them are', async () => {
    const { parseRelease } = await import('../src/index.js');
    expect(parseRelease('cancel', 'newcomer 1 first 8 later 0\nnewcomer 2 first 3 later 0\n')).toEqual({ mode: 'cancel', newcomers: [{ first: 8, later: 0 }, { first: 3, later: 0 }], stuckOnSyscall: true });
    expect(parseRelease('return', 'newcomer 1 first 2 later 7\nnewcomer 2 first 3 later 0\n').stuckOnSyscall).toBe(false);
    expect(() => parseRelease('cancel', 'Segmentation fault')).toThrow(/printed no newcomer line/);
  });
});

// The reference profiles against the real glibc 2.41 and Go 1.24, run on this kernel.
// Where the Debian 13 packages cannot be fetched or built, the comparison is skipped and
// says why.
import { discoverParams } from '@vgetrandom/params';
import { onlineCpus, pageSize, sysconf } from '@vgetrandom/sys';
import { describe, expect, it } from 'vitest';
import { compare, glibcProbe, hostProblem, render, runOracle } from '../src/index.js';

const problem = hostProblem();
const THREADS = [1, 5, 21, 22, 50];

describe.skipIf(problem !== undefined)(`the oracle (needs Linux with vDSO getrandom${problem ? `; skipped: ${problem}` : ''})`, () => {
  for (const name of ['glibc', 'go'] as const) {
    it(`${name}: no difference from its profile for ${THREADS.join(', ')} threads, created together and one at a time (skips where Debian 13's packages cannot be fetched or built)`, (context) => {
      const { probe, comparisons } = runOracle(name, THREADS, ['together', 'one-at-a-time']);
      if (!probe.ok) {
        context.skip(probe.reason);
        return;
      }
      expect(comparisons).toHaveLength(THREADS.length * 2);
      for (const comparison of comparisons) expect(comparison.differences, render(comparison).join('\n')).toBe(0);
    }, 300_000);
  }

  it('has the power to see a difference: the real glibc differs from our adaptive profile and from the 6.11 selftest\'s (skips where Debian 13\'s libc6 cannot be fetched)', (context) => {
    const probe = glibcProbe();
    if (!probe.ok) {
      context.skip(probe.reason);
      return;
    }
    const discovery = discoverParams();
    if (!discovery.supported) throw new Error('unreachable: the host was checked');
    for (const profile of ['adaptive', 'selftest-6.11'] as const) {
      const comparison = compare({
        profile,
        implementation: probe.version,
        command: probe.command,
        threads: 5,
        mode: 'one-at-a-time',
        stateSize: discovery.params.sizeOfOpaqueState,
        pageSize: pageSize(),
        reportedCacheLine: sysconf(190),
        onlineCpus: onlineCpus(),
      });
      expect(comparison.differences, profile).toBeGreaterThan(0);
    }
  }, 300_000);
});

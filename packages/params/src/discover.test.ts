// Every outcome of discovery, reached through a fake vDSO: no kernel needed.
import { describe, expect, it } from 'vitest';
import { type Address, SysError } from '@vgetrandom/sys';
import { type DiscoveryEnvironment, type VgetrandomFunction, discoverParams } from './discover.js';

const FAKE_ADDRESS = 0x7000_1000n as Address;

/** A fake vgetrandom that answers the params query with `words` and `returnValue`. */
function fakeVgetrandom(words: number[], returnValue = 0): { fn: VgetrandomFunction; calls: unknown[][] } {
  const calls: unknown[][] = [];
  const fn: VgetrandomFunction = (buffer, length, flags, state, stateLength) => {
    calls.push([buffer, length, flags, stateLength]);
    if (returnValue === 0 && state instanceof Uint8Array) {
      const view = new DataView(state.buffer, state.byteOffset);
      words.forEach((word, index) => view.setUint32(index * 4, word, true));
    }
    return returnValue;
  };
  return { fn, calls };
}

function environment(overrides: Partial<DiscoveryEnvironment> = {}): Partial<DiscoveryEnvironment> {
  const { fn } = fakeVgetrandom([144, 3, 0x28]);
  return {
    arch: 'x64',
    nativeUnavailable: () => undefined,
    pageSize: () => 4096,
    locate: () => ({ resolve: (name, version) => (name === '__vdso_getrandom' && version === 'LINUX_2.6' ? FAKE_ADDRESS : undefined) }),
    bind: () => fn,
    sizeMax: () => (1n << 64n) - 1n,
    ...overrides,
  };
}

describe('discoverParams with a fake vDSO', () => {
  it('is supported when the query answers sensibly, and calls it as a libc does', () => {
    const fake = fakeVgetrandom([144, 3, 0x28]);
    const outcome = discoverParams(environment({ bind: () => fake.fn }));
    expect(outcome).toMatchObject({
      supported: true,
      pageSize: 4096,
      params: { sizeOfOpaqueState: 144, mmapProt: 3, mmapFlags: 0x28 },
      vgetrandom: { address: FAKE_ADDRESS, symbol: { name: '__vdso_getrandom' } },
    });
    expect(fake.calls).toEqual([[null, 0, 0, (1n << 64n) - 1n]]);
  });

  it.each([
    ['unsupported-arch', { arch: 'mips' }],
    ['unsupported-arch', { arch: 'ppc64' }],
    ['unsupported-platform', { nativeUnavailable: () => 'koffi cannot load on this host' }],
    ['no-vdso', { locate: () => undefined }],
    ['no-vdso', { locate: () => { throw new Error('corrupt'); } }],
    ['no-symbol', { locate: () => ({ resolve: () => undefined }) }],
    ['enosys', { bind: () => fakeVgetrandom([], -38).fn }],
    ['query-failed', { bind: () => fakeVgetrandom([], -22).fn }],
    ['invalid-params', { bind: () => fakeVgetrandom([0, 3, 0x28]).fn }],
    ['invalid-params', { bind: () => fakeVgetrandom([8192, 3, 0x28]).fn }],
    // Refusals for now, not for good (found by the pool fuzz target with 80 workers at once):
    // other workers held the native-setup lock too long, or this worker is being terminated.
    ['native-busy', { locate: () => { throw new SysError('ERR_NATIVE_BUSY', 'load', 'other threads held the native-setup lock'); } }],
    ['native-busy', { locate: () => ({ resolve: () => { throw new SysError('ERR_NATIVE_BUSY', 'load', 'other threads held the native-setup lock'); } }) }],
    ['native-busy', { bind: () => { throw new SysError('ERR_NATIVE_BUSY', 'load', 'other threads held the native-setup lock'); } }],
    ['thread-terminating', { bind: () => { throw new SysError('ERR_THREAD_TERMINATING', 'load', 'this worker is being terminated'); } }],
  ] as Array<[string, Partial<DiscoveryEnvironment>]>)('reports %s', (reason, overrides) => {
    const outcome = discoverParams(environment(overrides));
    expect(outcome).toMatchObject({ supported: false, reason });
    expect(outcome.supported === false && outcome.detail.length).toBeGreaterThan(10);
  });

  it('names the errno of a failed query and the check of invalid params', () => {
    expect(discoverParams(environment({ bind: () => fakeVgetrandom([], -22).fn }))).toMatchObject({ errno: 'EINVAL' });
    expect(discoverParams(environment({ bind: () => fakeVgetrandom([], -38).fn }))).toMatchObject({ errno: 'ENOSYS' });
    expect(discoverParams(environment({ bind: () => fakeVgetrandom([144, 1, 0x28]).fn }))).toMatchObject({
      check: 'prot-not-read-write',
    });
  });

  it('a query that ignores a wrong-width opaque_len (the ~0U bug) is caught as invalid, not trusted', () => {
    // With ~0U the vDSO treats the call as a normal zero-length read: returns 0, writes nothing.
    const silent: VgetrandomFunction = () => 0;
    expect(discoverParams(environment({ bind: () => silent }))).toMatchObject({ reason: 'invalid-params', check: 'size-zero' });
  });
});

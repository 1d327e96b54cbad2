// The engine with a fake host: every fallback path, the short-count loop, EINTR retries
// and error decoding, without a kernel.
import { randomFillSync } from 'node:crypto';
import type { ParamsDiscovery, VgetrandomFunction } from '@vgetrandom/params';
import { SimulatedPageSource } from '@vgetrandom/slab';
import { type Address, SysError, errnoError } from '@vgetrandom/sys';
import { describe, expect, it } from 'vitest';
import { createApi } from './api.js';
import { type EngineEnvironment, createEngine } from './engine.js';
import { GetrandomError } from './errors.js';
import { GRND_INSECURE, GRND_NONBLOCK, GRND_RANDOM } from './flags.js';
import { PoolUnavailable, privatePool } from './pool.js';

const params = { sizeOfOpaqueState: 144, mmapProt: 3, mmapFlags: 0x28, reserved: [] };

/** A fake vDSO function: fills with node:crypto and returns `answer(length)`. */
function fakeVdso(answer: (length: number, call: number) => number = (length) => length) {
  const calls: Array<{ length: number; state: unknown; stateLength: unknown }> = [];
  const call: VgetrandomFunction = (buffer, length, _flags, state, stateLength) => {
    calls.push({ length, state, stateLength });
    const result = answer(length, calls.length);
    if (result > 0 && ArrayBuffer.isView(buffer)) randomFillSync(new Uint8Array(buffer.buffer, buffer.byteOffset, result));
    return result;
  };
  return { call, calls };
}

function supported(call: VgetrandomFunction): () => ParamsDiscovery {
  return () => ({
    supported: true,
    params,
    pageSize: 4096,
    warnings: [],
    vgetrandom: { address: 0x1000n as Address, symbol: { name: '__vdso_getrandom', version: 'LINUX_2.6', since: '6.11', syscallOnly: false }, call },
  });
}

/** A fake syscall that fills with node:crypto, counting calls. */
function fakeSyscall(answer: (length: number, call: number) => number = (length) => length) {
  let count = 0;
  const syscall = (target: ArrayBufferView, length: number) => {
    count += 1;
    const result = answer(length, count);
    if (result > 0) randomFillSync(new Uint8Array(target.buffer, target.byteOffset, result));
    if (result < 0) throw errnoError('getrandom', -result);
    return result;
  };
  return { syscall, count: () => count };
}

function environment(overrides: Partial<EngineEnvironment> = {}): EngineEnvironment {
  return {
    backend: 'auto',
    nativeAvailability: () => ({ available: true }),
    discoverParams: supported(fakeVdso().call),
    createPageSource: () => new SimulatedPageSource(),
    // A private pool: the shared one would ask the kernel who this thread is.
    createPool: privatePool,
    syscall: fakeSyscall().syscall,
    onWorker: false,
    // The fake vDSO writes through views only: never hand it the scratch's address.
    resolveAddress: () => undefined,
    ...overrides,
  };
}

const unsupported = (reason: string): (() => ParamsDiscovery) => () => ({ supported: false, reason: reason as never, detail: `fake ${reason}` });

describe('backend selection', () => {
  it('picks vdso with a state of the exact size when everything works', () => {
    const vdso = fakeVdso();
    const engine = createEngine(environment({ discoverParams: supported(vdso.call) }));
    engine.fill(new Uint8Array(16), 16, 0);
    expect(engine.info()).toMatchObject({ backend: 'vdso', requested: 'auto', fallbacks: [], state: { size: 144, pool: 'private' } });
    expect(vdso.calls[0]).toMatchObject({ length: 16, stateLength: 144 });
    expect(typeof vdso.calls[0]!.state).toBe('bigint');
  });

  it.each([
    ['no vDSO', { discoverParams: unsupported('no-vdso') }, 'no-vdso'],
    ['no symbol', { discoverParams: unsupported('no-symbol') }, 'no-symbol'],
    ['params -ENOSYS', { discoverParams: unsupported('enosys') }, 'enosys'],
    ['invalid params', { discoverParams: unsupported('invalid-params') }, 'invalid-params'],
    ['mmap denied (EPERM)', { createPageSource: () => new SimulatedPageSource({ failWhen: () => 'mmap-denied: EPERM' }) }, 'mmap-denied: EPERM'],
    ['mmap ENOMEM', { createPageSource: () => new SimulatedPageSource({ failWhen: () => 'mmap-failed: ENOMEM' }) }, 'mmap-failed: ENOMEM'],
  ] as Array<[string, Partial<EngineEnvironment>, string]>)('%s → a working syscall backend that says why', (_label, overrides, reason) => {
    const sys = fakeSyscall();
    const engine = createEngine(environment({ ...overrides, syscall: sys.syscall }));
    const bytes = new Uint8Array(32);
    engine.fill(bytes, 32, 0);
    expect(sys.count()).toBe(1);
    expect(engine.info()).toMatchObject({ backend: 'syscall', fallbacks: [{ backend: 'vdso', reason }] });
    expect(engine.info().state).toBeUndefined();
  });

  it('the vDSO returning an unexpected error moves to the syscall for good, and the call still succeeds', () => {
    const vdso = fakeVdso(() => -14);
    const sys = fakeSyscall();
    const engine = createEngine(environment({ discoverParams: supported(vdso.call), syscall: sys.syscall }));
    const bytes = new Uint8Array(64);
    engine.fill(bytes, 64, 0);
    engine.fill(bytes, 64, 0);
    expect(vdso.calls).toHaveLength(1);
    expect(sys.count()).toBe(2);
    expect(engine.info()).toMatchObject({ backend: 'syscall', fallbacks: [{ backend: 'vdso', reason: 'vdso-error: EFAULT' }] });
  });

  it('without native calls, falls back to node:crypto and names both skipped backends', () => {
    const engine = createEngine({ backend: 'auto', nativeAvailability: () => ({ available: false, code: 'ERR_UNSUPPORTED_PLATFORM', reason: 'not Linux' }), onWorker: false });
    const bytes = new Uint8Array(32);
    engine.fill(bytes, 32, 0);
    expect(bytes.some((byte) => byte !== 0)).toBe(true);
    expect(engine.info()).toMatchObject({
      backend: 'crypto',
      fallbacks: [
        { backend: 'vdso', reason: 'native-unavailable' },
        { backend: 'syscall', reason: 'native-unavailable' },
      ],
    });
  });

  it.each(['vdso', 'syscall', 'crypto'] as const)('VGETRANDOM_BACKEND=%s forces that backend', (backend) => {
    const engine = createEngine(environment({ backend }));
    engine.fill(new Uint8Array(8), 8, 0);
    expect(engine.info()).toMatchObject({ backend, requested: backend });
  });

  it('forcing an unavailable backend is a clear error at first use, every time', () => {
    const engine = createEngine(environment({ backend: 'vdso', discoverParams: unsupported('no-vdso') }));
    for (let attempt = 0; attempt < 2; attempt += 1) {
      expect(() => engine.fill(new Uint8Array(8), 8, 0)).toThrow(
        expect.objectContaining({ code: 'ERR_BACKEND_UNAVAILABLE', message: expect.stringContaining('no-vdso') }),
      );
    }
  });

  it.each(['fastest', ' vdso', 'VDSO', 'vdso '])('an unknown VGETRANDOM_BACKEND (%j) fails every call, and info() reports it with the accepted values instead of throwing', (value) => {
    const engine = createEngine(environment({ backend: value }));
    for (let attempt = 0; attempt < 2; attempt += 1) {
      expect(() => engine.fill(new Uint8Array(8), 8, 0)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_BACKEND' }));
      const info = engine.info();
      expect(info).toMatchObject({ backend: 'none', requested: 'invalid', fallbacks: [] });
      expect(info.error).toMatchObject({ code: 'ERR_INVALID_BACKEND', value, accepted: ['auto', 'vdso', 'syscall', 'crypto'] });
      expect(info.error!.message).toContain(JSON.stringify(value));
    }
  });

  it('info() before any call does not throw for an unknown value either (it is where users look first)', () => {
    const engine = createEngine(environment({ backend: 'quantum' }));
    expect(engine.info()).toMatchObject({ backend: 'none', error: { code: 'ERR_INVALID_BACKEND' } });
    expect(() => engine.fill(new Uint8Array(8), 8, 0)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_BACKEND' }));
  });

  it('a forced backend that is missing: calls fail closed, info() says which and why', () => {
    const engine = createEngine(environment({ backend: 'vdso', discoverParams: unsupported('no-vdso') }));
    const info = engine.info();
    expect(info).toMatchObject({ backend: 'none', requested: 'vdso', error: { code: 'ERR_BACKEND_UNAVAILABLE' } });
    expect(info.error!.message).toContain('no-vdso');
    expect(info.fallbacks.map((fallback) => fallback.reason)).toEqual(['no-vdso']);
    expect(() => engine.fill(new Uint8Array(8), 8, 0)).toThrow(expect.objectContaining({ code: 'ERR_BACKEND_UNAVAILABLE' }));
  });

  it('info() reports an unexpected failure of backend selection instead of throwing it', () => {
    const engine = createEngine(environment({ discoverParams: () => { throw new Error('decoder exploded'); } }));
    expect(engine.info()).toMatchObject({ backend: 'none', error: { code: 'ERR_BACKEND_SELECTION', message: expect.stringContaining('decoder exploded') } });
  });
});

describe('filling', () => {
  it('loops over short counts until every byte is written', () => {
    const vdso = fakeVdso((length) => Math.min(length, 7));
    const engine = createEngine(environment({ discoverParams: supported(vdso.call) }));
    const outer = new Uint8Array(100);
    const view = outer.subarray(10, 60);
    engine.fill(view, view.length, 0);
    expect(vdso.calls.map((call) => call.length)).toEqual([50, 43, 36, 29, 22, 15, 8, 1]);
    expect(outer.subarray(0, 10).every((byte) => byte === 0)).toBe(true);
    expect(outer.subarray(60).every((byte) => byte === 0)).toBe(true);
  });

  it('retries EINTR', () => {
    const sys = fakeSyscall((length, call) => (call < 3 ? -4 : length));
    const engine = createEngine(environment({ backend: 'syscall', syscall: sys.syscall }));
    engine.fill(new Uint8Array(8), 8, 0);
    expect(sys.count()).toBe(3);
  });

  it.each([
    [-11, 'EAGAIN'],
    [-22, 'EINVAL'],
    [-5, 'EIO'],
  ])('decodes %i from the syscall as GetrandomError %s', (errno, code) => {
    const engine = createEngine(environment({ backend: 'syscall', syscall: fakeSyscall(() => errno).syscall }));
    expect(() => engine.fill(new Uint8Array(8), 8, 0)).toThrow(expect.objectContaining({ name: 'GetrandomError', code, errno: -errno }));
  });

  it('decodes -EAGAIN from the vDSO as EAGAIN (GRND_NONBLOCK before the RNG is ready)', () => {
    const engine = createEngine(environment({ discoverParams: supported(fakeVdso(() => -11).call) }));
    expect(() => engine.fill(new Uint8Array(8), 8, GRND_NONBLOCK)).toThrow(expect.objectContaining({ code: 'EAGAIN', errno: 11 }));
    expect(engine.info().backend).toBe('vdso');
  });

  it('a backend that makes no progress ends in EIO instead of spinning', () => {
    const engine = createEngine(environment({ backend: 'syscall', syscall: fakeSyscall(() => 0).syscall }));
    expect(() => engine.fill(new Uint8Array(8), 8, 0)).toThrow(expect.objectContaining({ code: 'EIO' }));
  });

  it('release() returns the state; the next call takes one again', () => {
    const source = new SimulatedPageSource();
    const engine = createEngine(environment({ createPageSource: () => source }));
    engine.fill(new Uint8Array(8), 8, 0);
    expect(source.liveMappings()).toHaveLength(1);
    engine.release();
    expect(source.liveMappings()).toHaveLength(0);
    engine.fill(new Uint8Array(8), 8, 0);
    expect(engine.info().backend).toBe('vdso');
  });
});

describe('getrandom() checks before any native call', () => {
  const vdso = fakeVdso();
  const api = createApi(createEngine(environment({ discoverParams: supported(vdso.call) })));

  it.each([
    ['unknown bits', 0x8],
    ['GRND_INSECURE | GRND_RANDOM', GRND_INSECURE | GRND_RANDOM],
    ['a negative number', -1],
    ['a fraction', 1.5],
    ['a string', '1'],
  ])('rejects flags with %s as EINVAL', (_label, flags) => {
    const before = vdso.calls.length;
    expect(() => api.getrandom(new Uint8Array(8), flags as number)).toThrow(expect.objectContaining({ code: 'EINVAL', errno: 22 }));
    expect(vdso.calls.length).toBe(before);
  });

  it.each([[null], [undefined], [[1, 2, 3]], [new ArrayBuffer(8)], ['bytes'], [{ byteLength: 8 }]])('rejects %j as EFAULT', (value) => {
    const before = vdso.calls.length;
    expect(() => api.getrandom(value as never)).toThrow(GetrandomError);
    expect(() => api.getrandom(value as never)).toThrow(expect.objectContaining({ code: 'EFAULT' }));
    expect(vdso.calls.length).toBe(before);
  });

  it('accepts every valid flag combination', () => {
    for (const flags of [0, GRND_NONBLOCK, GRND_RANDOM, GRND_INSECURE, GRND_NONBLOCK | GRND_RANDOM, GRND_NONBLOCK | GRND_INSECURE]) {
      expect(api.getrandom(new Uint8Array(4), flags)).toBe(4);
    }
  });

  it('an empty view returns 0 without a native call', () => {
    const before = vdso.calls.length;
    expect(api.getrandom(new Uint8Array(0))).toBe(0);
    expect(vdso.calls.length).toBe(before);
  });
});

describe('hostile hosts: refusals at run time', () => {
  const failingSyscall = (errno: number) => fakeSyscall(() => -errno);

  it('an empty VGETRANDOM_BACKEND means auto', () => {
    const saved = process.env['VGETRANDOM_BACKEND'];
    process.env['VGETRANDOM_BACKEND'] = '';
    try {
      const { backend: _ignored, ...rest } = environment();
      const engine = createEngine(rest);
      engine.fill(new Uint8Array(8), 8, 0);
      expect(engine.info()).toMatchObject({ backend: 'vdso', requested: 'auto' });
    } finally {
      if (saved === undefined) delete process.env['VGETRANDOM_BACKEND'];
      else process.env['VGETRANDOM_BACKEND'] = saved;
    }
  });

  it.each([38, 1, 13])('auto: a syscall failing with errno %i at run time moves to node:crypto, and the call succeeds', (errno) => {
    const sys = failingSyscall(errno);
    const engine = createEngine(environment({ discoverParams: unsupported('no-vdso'), syscall: sys.syscall }));
    const bytes = new Uint8Array(32);
    engine.fill(bytes, 32, 0);
    engine.fill(bytes, 32, 0);
    expect(sys.count()).toBe(1);
    const info = engine.info();
    expect(info.backend).toBe('crypto');
    expect(info.fallbacks.map((fallback) => `${fallback.backend} ${fallback.reason}`)).toEqual(['vdso no-vdso', expect.stringMatching(/^syscall syscall-error: E/)]);
  });

  it('auto: the vDSO and then the syscall failing (a seccomp filter on getrandom) ends on node:crypto with both reasons', () => {
    const engine = createEngine(environment({ discoverParams: supported(fakeVdso(() => -38).call), syscall: failingSyscall(38).syscall }));
    engine.fill(new Uint8Array(16), 16, 0);
    expect(engine.info()).toMatchObject({
      backend: 'crypto',
      fallbacks: [{ backend: 'vdso', reason: 'vdso-error: ENOSYS' }, { backend: 'syscall', reason: 'syscall-error: ENOSYS' }],
    });
  });

  it.each([
    ['syscall', { discoverParams: unsupported('no-vdso'), syscall: failingSyscall(1).syscall }, 'EPERM'],
    ['vdso', { discoverParams: supported(fakeVdso(() => -38).call) }, 'ENOSYS'],
  ] as const)('a forced %s backend keeps throwing its errno, with the reason, and never moves', (backend, overrides, code) => {
    const engine = createEngine(environment({ ...overrides, backend }));
    for (let call = 0; call < 3; call += 1) {
      expect(() => engine.fill(new Uint8Array(8), 8, 0)).toThrow(expect.objectContaining({ name: 'GetrandomError', code, message: expect.stringContaining(`VGETRANDOM_BACKEND=${backend}`) }));
    }
    expect(engine.info().backend).toBe(backend);
  });

  it('EAGAIN, EINVAL and a syscall EFAULT are the caller\'s: they throw and change nothing', () => {
    for (const errno of [11, 22, 14]) {
      const engine = createEngine(environment({ discoverParams: unsupported('no-vdso'), syscall: failingSyscall(errno).syscall }));
      expect(() => engine.fill(new Uint8Array(8), 8, 0)).toThrow(GetrandomError);
      expect(engine.info().backend).toBe('syscall');
    }
  });

  it('a refused mmap uses the syscall, says when it retries, backs off, and returns to the vDSO once memory comes back', () => {
    let clock = 1000;
    let refuse = true;
    const source = new SimulatedPageSource({ failWhen: () => (refuse ? 'mmap-denied: EPERM' : undefined) });
    const vdso = fakeVdso();
    const sys = fakeSyscall();
    const engine = createEngine(environment({ discoverParams: supported(vdso.call), syscall: sys.syscall, createPageSource: () => source, now: () => clock }));
    engine.fill(new Uint8Array(8), 8, 0);
    let info = engine.info();
    expect(info.backend).toBe('syscall');
    expect(info.fallbacks[0]!.reason).toMatch(/mmap|EPERM/);
    expect(info.retry).toMatchObject({ at: 1050, inMs: 50, attempts: 0 });
    clock = 1049;
    engine.fill(new Uint8Array(8), 8, 0);
    expect(engine.info().retry!.attempts).toBe(0);
    clock = 1050;
    engine.fill(new Uint8Array(8), 8, 0);
    info = engine.info();
    expect(info).toMatchObject({ backend: 'syscall', retry: { at: 1150, attempts: 1 } });
    expect(info.fallbacks).toHaveLength(1);
    // The delay doubles up to 5 s.
    for (let attempt = 0; attempt < 12; attempt += 1) {
      clock = engine.info().retry!.at;
      engine.fill(new Uint8Array(8), 8, 0);
    }
    const last = engine.info().retry!;
    expect(last.at - clock).toBe(5000);
    refuse = false;
    clock = last.at;
    engine.fill(new Uint8Array(8), 8, 0);
    expect(engine.info()).toMatchObject({ backend: 'vdso', fallbacks: [] });
    expect(engine.info().retry).toBeUndefined();
    expect(vdso.calls.length).toBe(1);
  });

  it('where the process-wide pool cannot be had, the main thread uses a private pool and a worker the syscall', () => {
    const unavailable = () => {
      throw new PoolUnavailable('pool-metadata', 'the process-wide pool could not be created: RangeError');
    };
    const main = createEngine(environment({ createPool: unavailable, onWorker: false }));
    main.fill(new Uint8Array(8), 8, 0);
    expect(main.info()).toMatchObject({ backend: 'vdso', state: { pool: 'private', poolNote: expect.stringContaining('could not be created') } });
    const worker = createEngine(environment({ createPool: unavailable, onWorker: true }));
    worker.fill(new Uint8Array(8), 8, 0);
    expect(worker.info()).toMatchObject({ backend: 'syscall', fallbacks: [{ backend: 'vdso', reason: 'pool-metadata' }] });
  });
});

describe('native setup that cannot be had just now', () => {
  it('falls back when another thread holds the setup guard too long, and takes the vDSO later (found by the pool fuzz target with 80 workers)', () => {
    let clock = 1000;
    let busy = true;
    const vdso = fakeVdso();
    const engine = createEngine(
      environment({
        now: () => clock,
        discoverParams: () => {
          if (busy) throw new SysError('ERR_NATIVE_BUSY', 'load', 'fake: another thread held the guard');
          return supported(vdso.call)();
        },
      }),
    );
    const bytes = new Uint8Array(16);
    expect(() => engine.fill(bytes, 16, 0)).not.toThrow();
    expect(engine.info()).toMatchObject({ backend: 'syscall', fallbacks: [{ backend: 'vdso', reason: 'native-busy' }], retry: { at: 1050 } });
    busy = false;
    clock = 1050;
    engine.fill(bytes, 16, 0);
    expect(engine.info().backend).toBe('vdso');
    expect(vdso.calls.length).toBeGreaterThan(0);
  });

  it('falls back, without a retry, in a worker that is being terminated', () => {
    const engine = createEngine(
      environment({
        discoverParams: () => {
          throw new SysError('ERR_THREAD_TERMINATING', 'load', 'fake: this worker is being terminated');
        },
      }),
    );
    expect(() => engine.fill(new Uint8Array(8), 8, 0)).not.toThrow();
    expect(engine.info()).toMatchObject({ backend: 'syscall', fallbacks: [{ backend: 'vdso', reason: 'thread-terminating' }] });
    expect(engine.info().retry).toBeUndefined();
  });
});

describe('discovery that answers "not now"', () => {
  it.each([
    ['native-busy', { at: 1050 }],
    ['thread-terminating', undefined],
  ] as const)('%s: falls back for now%s', (reason, retry) => {
    const engine = createEngine(environment({ now: () => 1000, discoverParams: unsupported(reason) }));
    engine.fill(new Uint8Array(8), 8, 0);
    expect(engine.info()).toMatchObject({ backend: 'syscall', fallbacks: [{ backend: 'vdso', reason }] });
    if (retry) expect(engine.info().retry).toMatchObject(retry);
    else expect(engine.info().retry).toBeUndefined();
  });
});

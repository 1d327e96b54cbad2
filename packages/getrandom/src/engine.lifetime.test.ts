// An engine's state comes back when the engine is done with it: dispose(), or garbage
// collection of an engine (or API) that was dropped without it. Never earlier: a caller that
// keeps only one function of the engine keeps the state.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { ParamsDiscovery, VgetrandomFunction } from '@vgetrandom/params';
import { SimulatedPageSource, SlabAllocator } from '@vgetrandom/slab';
import { describe, expect, it } from 'vitest';
import { createApi } from './api.js';
import { type EngineEnvironment, createEngine } from './engine.js';
import type { StatePool } from './pool.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const STATE = 144;
const fakeVdso: VgetrandomFunction = ((view: ArrayBufferView, length: number) => {
  new Uint8Array(view.buffer, view.byteOffset, length).fill(7);
  return length;
}) as VgetrandomFunction;
const supported = (): ParamsDiscovery => ({
  supported: true,
  params: { sizeOfOpaqueState: STATE, mmapProt: 3, mmapFlags: 0x28, reserved: [] } as never,
  pageSize: 4096,
  warnings: [],
  vgetrandom: { call: fakeVdso } as never,
});

/** One slab behind every engine of a test, so states in use can be counted across engines. */
function sharedSlab() {
  const slab = new SlabAllocator({ stateSize: STATE, source: new SimulatedPageSource(), policy: 'glibc' });
  const pool: StatePool = { kind: 'private', acquire: () => slab.allocate() ?? { failure: 'full' }, release: (state) => slab.free(state) };
  const environment = (overrides: Partial<EngineEnvironment> = {}): EngineEnvironment => ({
    backend: 'auto',
    nativeAvailability: () => ({ available: true }),
    discoverParams: supported,
    createPageSource: () => new SimulatedPageSource(),
    createPool: () => pool,
    syscall: () => {
      throw new Error('no syscall in these tests');
    },
    onWorker: false,
    resolveAddress: () => undefined,
    ...overrides,
  });
  return { slab, environment, inUse: () => slab.stats().statesInUse };
}

/** Collects garbage and lets finalizers run until `done()` or 50 rounds (a count, not a clock). */
async function collectUntil(done: () => boolean): Promise<void> {
  for (let round = 0; round < 50 && !done(); round += 1) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('dispose()', () => {
  it('returns the state at once; later calls throw ERR_ENGINE_DISPOSED; backendInfo() says so without throwing', () => {
    const { environment, inUse } = sharedSlab();
    const engine = createEngine(environment());
    engine.fill(new Uint8Array(8), 8, 0);
    expect(inUse()).toBe(1);
    engine.dispose();
    expect(inUse()).toBe(0);
    expect(() => engine.fill(new Uint8Array(8), 8, 0)).toThrow(expect.objectContaining({ code: 'ERR_ENGINE_DISPOSED' }));
    expect(() => engine.fillScratch(16, 0)).toThrow(expect.objectContaining({ code: 'ERR_ENGINE_DISPOSED' }));
    expect(engine.info()).toMatchObject({ backend: 'none', error: { code: 'ERR_ENGINE_DISPOSED' } });
    engine.dispose();
    expect(inUse()).toBe(0);
  });

  it('createApi(...).dispose() and [Symbol.dispose] dispose the engine', () => {
    const { environment, inUse } = sharedSlab();
    const api = createApi(createEngine(environment()));
    api.randomUUID();
    expect(inUse()).toBe(1);
    api.dispose();
    expect(inUse()).toBe(0);
    expect(() => api.randomUUID()).toThrow(expect.objectContaining({ code: 'ERR_ENGINE_DISPOSED' }));
    const second = createApi(createEngine(environment()));
    second.getrandom(new Uint8Array(4));
    const dispose = (second as unknown as Record<symbol, () => void>)[(Symbol as { dispose?: symbol }).dispose ?? Symbol.for('none')];
    expect(typeof dispose).toBe('function');
    dispose!.call(second);
    expect(inUse()).toBe(0);
  });

  it('an engine disposed before its first call never takes a state', () => {
    const { environment, inUse } = sharedSlab();
    const engine = createEngine(environment());
    engine.dispose();
    expect(() => engine.fill(new Uint8Array(8), 8, 0)).toThrow(expect.objectContaining({ code: 'ERR_ENGINE_DISPOSED' }));
    expect(inUse()).toBe(0);
  });
});

describe('dropped engines return their states when collected', () => {
  it('10 000 dropped createApi(createEngine()) that each took a state: all come back after gc()', async () => {
    const { environment, inUse } = sharedSlab();
    for (let index = 0; index < 10_000; index += 1) createApi(createEngine(environment())).getrandom(new Uint8Array(16));
    expect(inUse()).toBe(10_000);
    await collectUntil(() => inUse() === 0);
    expect(inUse()).toBe(0);
  });

  it('an engine of which only `fill` is kept keeps its state, and it keeps working', async () => {
    const { environment, inUse, slab } = sharedSlab();
    const { fill } = createEngine(environment());
    fill(new Uint8Array(8), 8, 0);
    for (let index = 0; index < 100; index += 1) createEngine(environment()).fill(new Uint8Array(8), 8, 0);
    await collectUntil(() => inUse() === 1);
    // The 100 dropped engines' states came back; the one whose `fill` is alive did not.
    expect(inUse()).toBe(1);
    const bytes = new Uint8Array(8);
    fill(bytes, 8, 0);
    expect([...bytes]).toEqual(new Array(8).fill(7));
    slab.checkInvariants();
  });

  it('a disposed engine is not released a second time by the registry', async () => {
    const { environment, inUse } = sharedSlab();
    let engine: ReturnType<typeof createEngine> | undefined = createEngine(environment());
    engine.fill(new Uint8Array(8), 8, 0);
    engine.dispose();
    engine = undefined;
    // A fresh engine takes the slot that came back; a second release would free it under it.
    const next = createEngine(environment());
    next.fill(new Uint8Array(8), 8, 0);
    for (let round = 0; round < 10; round += 1) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(inUse()).toBe(1);
    next.fill(new Uint8Array(8), 8, 0);
  });
});

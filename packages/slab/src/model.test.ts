// Model-based test: random configurations and random command sequences run against the
// allocator and a trivial model (the set of states we hold). After every command the
// allocator must agree with the model and pass checkInvariants().
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlabAllocator } from './allocator.js';
import type { GrowthPolicy, SlabOptions, StateHandle } from './api.js';
import { SlabError } from './errors.js';
import { SimulatedPageSource } from './simulated-source.js';

interface Model {
  readonly held: Map<bigint, StateHandle>;
  /** Up to 64 addresses freed recently and not handed out again. */
  readonly freed: bigint[];
  /** The last freed address, while nothing else happened since that could move it. */
  lastFreed: bigint | undefined;
  disposed: boolean;
  stride: number;
}

interface Real {
  readonly slab: SlabAllocator;
  readonly source: SimulatedPageSource;
}

let operations = 0;
/** 400 cases in npm test; mutation testing (npm run mutate) asks for fewer a mutant. */
const modelRuns = Number(process.env.VGETRANDOM_MODEL_RUNS ?? 400);

/** Plain checks, not expect(): this runs on most of 10^5 steps. */
function expectCode(action: () => unknown, codes: string[]): void {
  try {
    action();
  } catch (error) {
    if (error instanceof SlabError && codes.includes(error.code)) return;
    throw new Error(`expected a SlabError ${codes.join(' or ')}, got ${String(error)}`);
  }
  throw new Error(`expected a SlabError ${codes.join(' or ')}, nothing was thrown`);
}

function afterStep(model: Model, real: Real): void {
  if (model.disposed) return;
  operations += 1;
  real.slab.checkInvariants();
  const stats = real.slab.stats();
  // Plain comparisons: this runs 10^5 times.
  if (stats.statesInUse !== model.held.size) throw new Error(`allocator holds ${stats.statesInUse} states, model ${model.held.size}`);
  if (stats.mappedBytes !== real.source.mappedBytes) throw new Error(`allocator maps ${stats.mappedBytes} bytes, source ${real.source.mappedBytes}`);
}

abstract class Step implements fc.Command<Model, Real> {
  check(_model: Readonly<Model>): boolean {
    return true;
  }
  run(model: Model, real: Real): void {
    if (model.disposed) {
      // After dispose() every use throws ERR_SLAB_DISPOSED, whatever the command was.
      expectCode(() => real.slab.allocate(), ['ERR_SLAB_DISPOSED']);
    } else {
      this.act(model, real);
    }
    afterStep(model, real);
  }
  abstract act(model: Model, real: Real): void;
  abstract toString(): string;
}

class Allocate extends Step {
  act(model: Model, real: Real): void {
    const freeBefore = real.slab.stats().statesFree;
    const chunksBefore = real.slab.stats().chunks;
    const handle = real.slab.allocate();
    if (handle === null) {
      // Only a failing page source may refuse, and only when nothing was free.
      if (freeBefore !== 0 || !real.source.failing) throw new Error(`allocate() returned null with ${freeBefore} states free`);
      return;
    }
    if (model.held.has(handle.address)) throw new Error(`allocate() handed out 0x${handle.address.toString(16)}, which is held`);
    if (model.lastFreed !== undefined && real.slab.stats().chunks === chunksBefore && handle.address !== model.lastFreed) {
      throw new Error(`LIFO broken: freed 0x${model.lastFreed.toString(16)} last, got 0x${handle.address.toString(16)}`);
    }
    model.held.set(handle.address, handle);
    model.lastFreed = undefined;
    const index = model.freed.indexOf(handle.address);
    if (index >= 0) model.freed.splice(index, 1);
  }
  toString(): string {
    return 'allocate()';
  }
}

class Free extends Step {
  constructor(readonly pick: number, readonly byAddress: boolean) {
    super();
  }
  override check(model: Readonly<Model>): boolean {
    return model.disposed || model.held.size > 0;
  }
  act(model: Model, real: Real): void {
    const handles = [...model.held.values()];
    const handle = handles[this.pick % Math.max(1, handles.length)];
    if (handle === undefined) {
      real.slab.free(0n);
      return;
    }
    const chunksBefore = real.slab.stats().chunks;
    real.slab.free(this.byAddress ? handle.address : handle);
    model.held.delete(handle.address);
    model.freed.push(handle.address);
    if (model.freed.length > 64) model.freed.shift();
    // If freeing unmapped its chunk, the state is gone and LIFO no longer names it.
    model.lastFreed = real.slab.stats().chunks === chunksBefore ? handle.address : undefined;
  }
  toString(): string {
    return `free(#${this.pick}${this.byAddress ? ', by address' : ''})`;
  }
}

class DoubleFree extends Step {
  constructor(readonly pick: number) {
    super();
  }
  override check(model: Readonly<Model>): boolean {
    return model.disposed || model.freed.length > 0;
  }
  act(model: Model, real: Real): void {
    const address = model.freed[this.pick % Math.max(1, model.freed.length)] ?? 0n;
    const before = JSON.stringify(real.slab.stats());
    // A reclaimed chunk makes the old address foreign; otherwise it is a double free.
    expectCode(() => real.slab.free(address), ['ERR_SLAB_DOUBLE_FREE', 'ERR_SLAB_FOREIGN']);
    if (JSON.stringify(real.slab.stats()) !== before) throw new Error('a rejected free changed the allocator');
  }
  toString(): string {
    return `doubleFree(#${this.pick})`;
  }
}

class ForeignFree extends Step {
  constructor(readonly address: bigint) {
    super();
  }
  act(_model: Model, real: Real): void {
    expectCode(() => real.slab.free(this.address), ['ERR_SLAB_FOREIGN']);
  }
  toString(): string {
    return `foreignFree(0x${this.address.toString(16)})`;
  }
}

class MisalignedFree extends Step {
  constructor(readonly pick: number, readonly delta: number) {
    super();
  }
  override check(model: Readonly<Model>): boolean {
    return model.disposed || (model.held.size > 0 && model.stride > 1);
  }
  act(model: Model, real: Real): void {
    const handles = [...model.held.values()];
    const handle = handles[this.pick % Math.max(1, handles.length)];
    const delta = 1 + (this.delta % Math.max(1, model.stride - 1));
    expectCode(() => real.slab.free((handle?.address ?? 0n) + BigInt(delta)), ['ERR_SLAB_MISALIGNED']);
  }
  toString(): string {
    return `misalignedFree(#${this.pick}, +${this.delta})`;
  }
}

class ToggleSourceFailure extends Step {
  act(_model: Model, real: Real): void {
    real.source.failing = !real.source.failing;
  }
  toString(): string {
    return 'toggleSourceFailure()';
  }
}

class Dispose extends Step {
  override run(model: Model, real: Real): void {
    real.slab.dispose();
    model.disposed = true;
    expect(real.source.liveMappings()).toEqual([]);
  }
  act(): void {}
  toString(): string {
    return 'dispose()';
  }
}

const commands = [
  fc.oneof(
    { arbitrary: fc.constant(new Allocate()), weight: 300 },
    { arbitrary: fc.tuple(fc.nat(), fc.boolean()).map(([pick, byAddress]) => new Free(pick, byAddress)), weight: 280 },
    { arbitrary: fc.nat().map((pick) => new DoubleFree(pick)), weight: 50 },
    { arbitrary: fc.bigInt({ min: 0n, max: 0x7eff_ffff_ffffn }).map((address) => new ForeignFree(address)), weight: 30 },
    { arbitrary: fc.tuple(fc.nat(), fc.nat()).map(([pick, delta]) => new MisalignedFree(pick, delta)), weight: 30 },
    { arbitrary: fc.constant(new ToggleSourceFailure()), weight: 20 },
    // Rare enough that most sequences run long before (or without) disposing.
    { arbitrary: fc.constant(new Dispose()), weight: 1 },
  ),
];

const configuration = fc
  .record({
    pageSize: fc.constantFrom(4096, 16384, 65536),
    alignment: fc.constantFrom(1, 16, 64, 128),
    policy: fc.constantFrom<GrowthPolicy>('glibc', 'percpu', 'adaptive'),
    reclaim: fc.oneof(fc.constant(false as const), fc.record({ keepEmpty: fc.integer({ min: 0, max: 3 }) })),
    cpus: fc.integer({ min: 1, max: 16 }),
    maxChunkPages: fc.constantFrom(1, 2, 4),
    sizeFraction: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map(({ pageSize, sizeFraction, ...rest }) => ({
    ...rest,
    pageSize,
    // At most 256 states a page keeps checkInvariants() after every step affordable here;
    // the fuzz tool covers sizes down to 1 byte.
    stateSize: Math.max(Math.ceil(pageSize / 256), Math.round(sizeFraction * pageSize)),
  }));

describe('model-based: the allocator agrees with a set of held states', () => {
  // Most steps provoke a SlabError on purpose; capturing a stack for each is the slowest
  // part of the run. fast-check still reports the failing command sequence.
  const stackTraceLimit = Error.stackTraceLimit;
  beforeAll(() => {
    Error.stackTraceLimit = 0;
  });
  afterAll(() => {
    Error.stackTraceLimit = stackTraceLimit;
    // About 300 steps a case on average: far fewer means the sequences stopped exercising the allocator.
    expect(operations).toBeGreaterThanOrEqual(modelRuns * 200);
  });

  it('random configurations × random operation sequences, invariants after every step', () => {
    fc.assert(
      fc.property(configuration, fc.commands(commands, { maxCommands: 1500, size: 'max' }), (config, sequence) => {
        const source = new SimulatedPageSource({ pageSize: config.pageSize, cpus: config.cpus });
        const options: SlabOptions = { ...config, source };
        const slab = new SlabAllocator(options);
        const model: Model = { held: new Map(), freed: [], lastFreed: undefined, disposed: false, stride: slab.geometry.stride };
        fc.modelRun(() => ({ model, real: { slab, source } }), sequence);
        if (!model.disposed) {
          slab.dispose();
          expect(source.liveMappings()).toEqual([]);
        }
      }),
      { numRuns: modelRuns },
    );
    // CPU-bound: seconds alone, longer when the whole suite shares two cores.
  }, 180_000);
});

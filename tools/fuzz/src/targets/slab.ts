// The slab target: random allocator configurations and long operation sequences,
// checked against a shadow record after every operation and checkInvariants() after
// every step. Operations are plain data, so a finding is its own replay script.
import fc from 'fast-check';
import {
  type GrowthPolicy,
  type HandOutOrder,
  PROFILE_NAMES,
  type PageSource,
  type ProfileName,
  type Region,
  SimulatedPageSource,
  type SlabAllocator,
  SlabError,
  type SlabOptions,
  type SlabStats,
  type StateHandle,
  allocatorOptions,
  profileSettings,
} from '@vgetrandom/slab';
import { type MutantName, createAllocator } from '../mutants.js';
import { ShadowRecord, ShadowViolation, takePicked, watchedSource } from '../shadow.js';

export interface SlabConfig {
  readonly pageSize: number;
  readonly stateSize: number;
  readonly alignment: number;
  readonly policy: GrowthPolicy;
  readonly reclaim: false | { readonly keepEmpty: number };
  readonly cpus: number;
  readonly maxChunkPages: number;
  /** Which state of a fresh chunk goes out first (absent in findings older than profiles). */
  readonly order?: HandOutOrder;
  /** A reference profile: when set, it decides policy, alignment, CPUs, order and reclaim. */
  readonly profile?: ProfileName;
  /** The allocator's maxStates (absent: unlimited). */
  readonly maxStates?: number;
}

export type SlabOperation =
  | { readonly op: 'alloc'; readonly n: number }
  | { readonly op: 'free'; readonly n: number; readonly pick: number }
  | { readonly op: 'free-address'; readonly pick: number }
  | { readonly op: 'double-free'; readonly pick: number }
  | { readonly op: 'foreign'; readonly address: number }
  | { readonly op: 'misaligned'; readonly pick: number; readonly delta: number }
  | { readonly op: 'fail-source'; readonly on: boolean }
  /** free() of any byte of a mapped region: a held state, a free one, padding or a page tail. */
  | { readonly op: 'free-offset'; readonly region: number; readonly offset: number }
  /** free() of a handle whose index names another slot (or none) and whose address is any byte of a region. */
  | { readonly op: 'forged'; readonly region: number; readonly offset: number; readonly index: number }
  /** free() of a handle object that was freed before and is not held again. */
  | { readonly op: 'stale-handle'; readonly pick: number }
  | { readonly op: 'drop'; readonly pick: number }
  | { readonly op: 'dispose' };

export interface SlabCase {
  readonly config: SlabConfig;
  readonly ops: readonly SlabOperation[];
}

export type CaseResult =
  | { readonly ok: true; readonly operations: number }
  | { readonly ok: false; readonly operations: number; readonly message: string; readonly step: number; readonly allocationSite?: string; readonly freeSite?: string };

/** What the native variant adds: real pages, and the kernel as oracle for every state. */
export interface NativeHooks {
  /** The kernel's state size, and the mmap protection and flags it asks for. */
  readonly stateSize: number;
  readonly mmapProt: number;
  readonly mmapFlags: number;
  createSource(config?: SlabConfig): PageSource;
  /** Uses the state in a real vgetrandom call; returns the call's result. */
  useState(address: bigint): number;
  /** Drops a region's pages (MADV_DONTNEED). */
  drop(region: Region): void;
}

export const configArbitrary = (native = false): fc.Arbitrary<SlabConfig> =>
  fc
    .record({
      pageExponent: native ? fc.constant(0) : fc.integer({ min: 0, max: 4 }),
      sizeFraction: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0.0352, 0.25, 0.5, 0.5002, 1)),
      alignment: fc.constantFrom(1, 8, 16, 32, 64, 128, 256),
      policy: fc.constantFrom<GrowthPolicy>('glibc', 'percpu', 'adaptive'),
      reclaim: fc.oneof(fc.constant(false as const), fc.record({ keepEmpty: fc.integer({ min: 0, max: 3 }) })),
      cpus: fc.integer({ min: 1, max: 64 }),
      maxChunkPages: fc.integer({ min: 1, max: 16 }),
      order: fc.constantFrom<HandOutOrder>('lowest-first', 'highest-first'),
      profile: fc.option(fc.constantFrom(...PROFILE_NAMES), { nil: undefined, freq: 3 }),
      maxStates: fc.option(fc.integer({ min: 1, max: 400 }), { nil: undefined, freq: 4 }),
    })
    .map(({ pageExponent, sizeFraction, maxStates, ...rest }) => {
      const pageSize = 4096 << pageExponent;
      // Native states must be the kernel's size; simulated ones range from 1 byte to a page.
      return { ...rest, ...(maxStates === undefined ? {} : { maxStates }), pageSize, stateSize: native ? 0 : Math.max(1, Math.min(pageSize, Math.round(sizeFraction * pageSize))) };
    });

export const operationArbitrary = (native = false): fc.Arbitrary<SlabOperation> =>
  fc.oneof(
    { arbitrary: fc.integer({ min: 1, max: 256 }).map((n) => ({ op: 'alloc' as const, n })), weight: 30 },
    { arbitrary: fc.record({ op: fc.constant('free' as const), n: fc.integer({ min: 1, max: 256 }), pick: fc.nat() }), weight: 28 },
    { arbitrary: fc.record({ op: fc.constant('free-address' as const), pick: fc.nat() }), weight: 6 },
    { arbitrary: fc.record({ op: fc.constant('double-free' as const), pick: fc.nat() }), weight: 4 },
    { arbitrary: fc.record({ op: fc.constant('foreign' as const), address: fc.integer({ min: 0, max: 2 ** 47 }) }), weight: 2 },
    { arbitrary: fc.record({ op: fc.constant('misaligned' as const), pick: fc.nat(), delta: fc.integer({ min: 1, max: 4095 }) }), weight: 3 },
    { arbitrary: fc.boolean().map((on) => ({ op: 'fail-source' as const, on })), weight: native ? 0 : 3 },
    { arbitrary: fc.record({ op: fc.constant('free-offset' as const), region: fc.nat(), offset: fc.nat() }), weight: 4 },
    {
      arbitrary: fc.record({
        op: fc.constant('forged' as const),
        region: fc.nat(),
        offset: fc.nat(),
        index: fc.oneof(fc.integer({ min: -2, max: 4096 }), fc.constantFrom(Number.NaN, 2 ** 31, -(2 ** 31), 0.5)),
      }),
      weight: 2,
    },
    { arbitrary: fc.record({ op: fc.constant('stale-handle' as const), pick: fc.nat() }), weight: 2 },
    { arbitrary: fc.nat().map((pick) => ({ op: 'drop' as const, pick })), weight: native ? 4 : 0 },
    { arbitrary: fc.constant({ op: 'dispose' as const }), weight: 1 },
  );

export const caseArbitrary = (native = false, maxOperations = 120, profile?: ProfileName): fc.Arbitrary<SlabCase> =>
  fc.record({
    config: profile === undefined ? configArbitrary(native) : configArbitrary(native).map((config) => ({ ...config, profile })),
    // size 'max': fast-check's default size would cap a case at about a dozen operations.
    ops: fc.array(operationArbitrary(native), { minLength: 1, maxLength: maxOperations, size: 'max' }),
  });

/** The allocator options of a case: its own, or its profile's over them. */
function settingsOf(config: SlabConfig): Omit<SlabConfig, 'profile' | 'reclaim'> & Pick<SlabOptions, 'reclaim'> {
  const { profile, ...own } = config;
  if (profile === undefined) return own;
  // The profile reads the host through the case: the alignment stands for the reported L1D line.
  return { ...own, ...allocatorOptions(profileSettings(profile, { reportedCacheLine: config.alignment, onlineCpus: config.cpus, affinityCpus: config.cpus })) };
}

/** A SlabError by name and code: a mutant build has its own SlabError class. */
function isSlabError(error: unknown): error is SlabError {
  return error instanceof Error && error.name === SlabError.name && typeof (error as SlabError).code === 'string';
}

function expectRejection(action: () => void, codes: readonly string[], what: string): void {
  try {
    action();
  } catch (error) {
    if (isSlabError(error) && codes.includes(error.code)) return;
    throw new ShadowViolation(`${what}: expected ${codes.join(' or ')}, got ${error instanceof Error ? `${error.name} ${(error as { code?: string }).code ?? ''} ${error.message}` : String(error)}`);
  }
  throw new ShadowViolation(`${what}: expected ${codes.join(' or ')}, but the allocator accepted it`);
}

/**
 * Where states sit, computed here and not by the allocator's geometry: the stride is the
 * first multiple of the alignment that holds a state, and states are counted by stepping
 * through the page until the next one would cross its end.
 */
export function independentGeometry(stateSize: number, pageSize: number, alignment: number): { stride: number; statesPerPage: number } {
  let stride = alignment;
  while (stride < stateSize) stride += alignment;
  let statesPerPage = 0;
  for (let at = 0; at + stateSize <= pageSize; at += stride) statesPerPage += 1;
  return { stride, statesPerPage };
}

/**
 * Every field of stats() against the shadow's own count: held states, their most, the
 * regions the page source handed out (chunks, pages, bytes), those holding no held state
 * (empty chunks), and the states they hold at the independent states-a-page.
 */
function checkStats(
  stats: SlabStats,
  seen: { regions: readonly Region[]; held: readonly StateHandle[]; shadow: ShadowRecord; highWater: number; pageSize: number; statesPerPage: number; reclaim: SlabOptions['reclaim'] },
): void {
  const { regions, shadow } = seen;
  const mappedBytes = regions.reduce((total, region) => total + region.byteLength, 0);
  const pages = mappedBytes / seen.pageSize;
  // Regions holding at least one held state, by binary search over their start addresses.
  const sorted = regions.map((region) => [Number(region.address), region.byteLength] as const).sort((a, b) => a[0] - b[0]);
  const occupied = new Set<number>();
  for (const handle of seen.held) {
    const address = Number(handle.address);
    let low = 0;
    let high = sorted.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (sorted[middle]![0] <= address) low = middle;
      else high = middle - 1;
    }
    const region = sorted[low];
    if (region && address >= region[0] && address < region[0] + region[1]) occupied.add(low);
  }
  const emptyChunks = regions.length - occupied.size;
  if (typeof seen.reclaim === 'object' && seen.reclaim.keepEmpty !== undefined && emptyChunks > seen.reclaim.keepEmpty) {
    throw new ShadowViolation(`${emptyChunks} chunks hold no state, more than keepEmpty ${seen.reclaim.keepEmpty}`);
  }
  const statesTotal = pages * seen.statesPerPage;
  const want: Array<[keyof SlabStats, number]> = [
    ['statesInUse', shadow.held],
    ['highWater', seen.highWater],
    ['chunks', regions.length],
    ['mappedBytes', mappedBytes],
    ['pages', pages],
    ['emptyChunks', emptyChunks],
    ['statesPerPage', seen.statesPerPage],
    ['statesTotal', statesTotal],
    ['statesFree', statesTotal - shadow.held],
  ];
  for (const [field, value] of want) {
    if (stats[field] !== value) throw new ShadowViolation(`stats().${field} is ${String(stats[field])}; the shadow record counts ${value}`);
  }
}

/**
 * How often the full checkInvariants() runs by default: after every CHECK_EVERY-th step, before
 * a dispose() and after the last step. It walks every slot, and after every step it took four
 * fifths of the target's time; the shadow record and stats() still judge every operation.
 */
export const CHECK_EVERY = 16;

export interface SlabCaseOptions {
  mutant?: MutantName;
  native?: NativeHooks;
  /** false leaves the shadow record and stats() as the only oracles (to test them alone). */
  invariants?: boolean;
  /** Steps between full checkInvariants() calls (default CHECK_EVERY; 1: after every step). */
  checkEvery?: number;
  implementation?: typeof SlabAllocator;
}

/**
 * Runs one case. Never throws for a finding: it returns it. A finding made with sparse
 * invariant checks is replayed with a check after every step, so that it names the first step
 * at which the allocator went wrong, as a dense run would have.
 */
export function runSlabCase(testCase: SlabCase, options: SlabCaseOptions = {}): CaseResult {
  const checkEvery = options.checkEvery ?? CHECK_EVERY;
  if (!Number.isInteger(checkEvery) || checkEvery < 1) throw new RangeError(`checkEvery must be a positive integer, got ${checkEvery}`);
  const result = runSlabCaseOnce(testCase, options, checkEvery);
  if (result.ok || checkEvery === 1 || options.invariants === false) return result;
  const dense = runSlabCaseOnce(testCase, options, 1);
  // A deterministic allocator fails the dense replay at or before the sparse step.
  return dense.ok ? result : dense;
}

function runSlabCaseOnce(testCase: SlabCase, options: SlabCaseOptions, checkEvery: number): CaseResult {
  const { config, ops } = testCase;
  const native = options.native;
  const baseSource = native ? native.createSource(config) : new SimulatedPageSource({ pageSize: config.pageSize, cpus: config.cpus });
  const stateSize = native ? native.stateSize : config.stateSize;
  const shadow = new ShadowRecord(stateSize, baseSource.pageSize);
  const regions: Region[] = [];
  const source = watchedSource(baseSource, shadow, regions);
  const slabOptions: SlabOptions = { ...settingsOf(config), pageSize: baseSource.pageSize, stateSize, source };
  const allocator = createAllocator(slabOptions, options.mutant, options.implementation);
  const expected = independentGeometry(stateSize, baseSource.pageSize, slabOptions.alignment ?? baseSource.cacheLineSize);
  const held: StateHandle[] = [];
  const freed: bigint[] = [];
  const freedHandles: StateHandle[] = [];
  let highWater = 0;
  /** free() of `address` (through `free`), judged by where the address falls, independently. */
  const freeAnyByte = (address: bigint, free: () => void, what: string) => {
    const inPage = Number(address % BigInt(baseSource.pageSize));
    const slotStart = inPage % expected.stride === 0 && inPage / expected.stride < expected.statesPerPage;
    if (!slotStart) return expectRejection(free, ['ERR_SLAB_MISALIGNED'], `${what} 0x${address.toString(16)} (page offset ${inPage}, not a state)`);
    if (!shadow.isHeld(Number(address))) return expectRejection(free, ['ERR_SLAB_DOUBLE_FREE'], `${what} 0x${address.toString(16)} (a free state)`);
    try {
      free();
    } catch (error) {
      throw new ShadowViolation(`${what} of held state 0x${address.toString(16)} was rejected: ${(error as Error).message}`);
    }
    const index = held.findIndex((handle) => handle.address === address);
    freedHandles.push(held[index]!);
    held[index] = held[held.length - 1]!;
    held.pop();
    shadow.freed(Number(address), step);
  };
  let operations = 0;
  let mapsChecked = 0;
  let disposed = false;
  let step = 0;
  try {
    for (step = 0; step < ops.length; step += 1) {
      const operation = ops[step]!;
      if (disposed) {
        expectRejection(() => allocator.allocate(), ['ERR_SLAB_DISPOSED'], 'allocate() after dispose()');
        operations += 1;
        continue;
      }
      switch (operation.op) {
        case 'alloc':
          for (let count = 0; count < operation.n; count += 1) {
            operations += 1;
            const handle = allocator.allocate();
            const full = config.maxStates !== undefined && shadow.held >= config.maxStates;
            if (handle === null) {
              if (!source.failing && !full) throw new ShadowViolation(`allocate() returned null with ${shadow.held} states held and the page source working (${allocator.stats().lastMapFailure ?? ''})`);
              break;
            }
            if (full) throw new ShadowViolation(`allocate() handed out a state beyond maxStates ${config.maxStates}`, `operation ${step}`);
            shadow.allocated(Number(handle.address), step);
            highWater = Math.max(highWater, shadow.held);
            if (native) {
              const result = native.useState(handle.address);
              if (result !== 16) throw new ShadowViolation(`the kernel refused state 0x${handle.address.toString(16)}: vgetrandom returned ${result}`, `operation ${step}`);
            }
            held.push(handle);
          }
          break;
        case 'free':
        case 'free-address':
          for (let count = 0; count < (operation.op === 'free' ? operation.n : 1) && held.length > 0; count += 1) {
            operations += 1;
            const handle = takePicked(held, operation.pick, count);
            try {
              allocator.free(operation.op === 'free' ? handle : handle.address);
            } catch (error) {
              throw new ShadowViolation(`free() rejected a held state 0x${handle.address.toString(16)}: ${(error as Error).message}`);
            }
            shadow.freed(Number(handle.address), step);
            freed.push(handle.address);
            if (freed.length > 64) freed.shift();
            freedHandles.push(handle);
            if (freedHandles.length > 64) freedHandles.shift();
          }
          break;
        case 'double-free': {
          const address = freed[operation.pick % Math.max(1, freed.length)];
          if (address === undefined || shadow.isHeld(Number(address))) break;
          operations += 1;
          expectRejection(() => allocator.free(address), ['ERR_SLAB_DOUBLE_FREE', 'ERR_SLAB_FOREIGN'], `second free of 0x${address.toString(16)}`);
          break;
        }
        case 'foreign': {
          // Below the simulated sources' mappings, and page-aligned so only foreignness is tested.
          const address = BigInt(operation.address - (operation.address % 4096));
          if (regions.some((region) => address >= region.address && address < region.address + BigInt(region.byteLength))) break;
          operations += 1;
          expectRejection(() => allocator.free(address), ['ERR_SLAB_FOREIGN'], `free of foreign 0x${address.toString(16)}`);
          break;
        }
        case 'misaligned': {
          const handle = held[operation.pick % Math.max(1, held.length)];
          const stride = allocator.geometry.stride;
          if (!handle || stride === 1) break;
          operations += 1;
          const delta = 1 + (operation.delta % (stride - 1));
          expectRejection(() => allocator.free(handle.address + BigInt(delta)), ['ERR_SLAB_MISALIGNED', 'ERR_SLAB_FOREIGN'], `free of 0x${handle.address.toString(16)}+${delta}`);
          break;
        }
        case 'fail-source':
          source.failing = operation.on;
          break;
        case 'free-offset':
        case 'forged': {
          const region = regions[operation.region % Math.max(1, regions.length)];
          if (!region) break;
          operations += 1;
          const address = region.address + BigInt(operation.offset % region.byteLength);
          if (operation.op === 'free-offset') freeAnyByte(address, () => allocator.free(address), 'free of');
          else freeAnyByte(address, () => allocator.free({ address, index: operation.index }), `free of a handle with index ${operation.index} and address`);
          break;
        }
        case 'stale-handle': {
          const handle = freedHandles[operation.pick % Math.max(1, freedHandles.length)];
          // A reused address is a held state again: a stale handle to it is its holder's (no generation counts exist).
          if (!handle || shadow.isHeld(Number(handle.address))) break;
          operations += 1;
          expectRejection(() => allocator.free(handle), ['ERR_SLAB_DOUBLE_FREE', 'ERR_SLAB_FOREIGN'], `free of a stale handle to 0x${handle.address.toString(16)}`);
          break;
        }
        case 'drop': {
          const region = regions[operation.pick % Math.max(1, regions.length)];
          if (region && native) native.drop(region);
          break;
        }
        case 'dispose':
          if (options.invariants !== false) allocator.checkInvariants();
          allocator.dispose();
          disposed = true;
          if (regions.length > 0) throw new ShadowViolation(`dispose() left ${regions.length} region(s) mapped`);
          break;
      }
      if (disposed) continue;
      // Also after any step that mapped or unmapped memory: a chunk's whole layout changes there.
      const remapped = source.mapCount !== mapsChecked;
      if (options.invariants !== false && (remapped || (step + 1) % checkEvery === 0 || step === ops.length - 1)) {
        allocator.checkInvariants();
        mapsChecked = source.mapCount;
      }
      checkStats(allocator.stats(), { regions, held, shadow, highWater, pageSize: baseSource.pageSize, statesPerPage: expected.statesPerPage, reclaim: slabOptions.reclaim });
    }
    if (!disposed) {
      allocator.dispose();
      if (regions.length > 0) throw new ShadowViolation(`dispose() left ${regions.length} region(s) mapped`);
    }
    return { ok: true, operations };
  } catch (error) {
    try {
      if (!disposed) allocator.dispose();
    } catch {
      // A broken allocator may not even dispose cleanly; the finding is what matters.
    }
    const violation = error instanceof ShadowViolation ? error : undefined;
    return {
      ok: false,
      operations,
      step,
      message: violation ? violation.message : `${(error as Error).name}: ${(error as Error).message}`,
      ...(violation?.allocationSite ? { allocationSite: violation.allocationSite } : {}),
      ...(violation?.freeSite ? { freeSite: violation.freeSite } : {}),
    };
  }
}

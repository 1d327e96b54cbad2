// The slab target: random allocator configurations and long operation sequences,
// checked against a shadow record after every operation and checkInvariants() after
// every step. Operations are plain data, so a finding is its own replay script.
import fc from 'fast-check';
import {
  type GrowthPolicy,
  type HandOutOrder,
  type MapResult,
  PROFILE_NAMES,
  type PageSource,
  type ProfileName,
  type Region,
  SimulatedPageSource,
  SlabError,
  type SlabOptions,
  type StateHandle,
  allocatorOptions,
  profileSettings,
} from '@vgetrandom/slab';
import { type MutantName, createAllocator } from '../mutants.js';
import { ShadowRecord, ShadowViolation } from '../shadow.js';

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
}

export type SlabOperation =
  | { readonly op: 'alloc'; readonly n: number }
  | { readonly op: 'free'; readonly n: number; readonly pick: number }
  | { readonly op: 'free-address'; readonly pick: number }
  | { readonly op: 'double-free'; readonly pick: number }
  | { readonly op: 'foreign'; readonly address: number }
  | { readonly op: 'misaligned'; readonly pick: number; readonly delta: number }
  | { readonly op: 'fail-source'; readonly on: boolean }
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
  /** The kernel's state size. */
  readonly stateSize: number;
  createSource(config: SlabConfig): PageSource;
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
    })
    .map(({ pageExponent, sizeFraction, ...rest }) => {
      const pageSize = 4096 << pageExponent;
      // Native states must be the kernel's size; simulated ones range from 1 byte to a page.
      return { ...rest, pageSize, stateSize: native ? 0 : Math.max(1, Math.min(pageSize, Math.round(sizeFraction * pageSize))) };
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

/** A page source that tells the shadow record about every mapping, whatever the allocator does. */
function observed(source: PageSource & { failing?: boolean }, shadow: ShadowRecord, regions: Region[]): PageSource & { failing: boolean } {
  let failing = false;
  return {
    pageSize: source.pageSize,
    cacheLineSize: source.cacheLineSize,
    cpus: source.cpus,
    get failing() {
      return failing;
    },
    set failing(value: boolean) {
      failing = value;
    },
    map(byteLength: number): MapResult {
      if (failing) return { ok: false, reason: 'fuzz: injected failure' };
      const result = source.map(byteLength);
      if (result.ok) {
        shadow.mapped(Number(result.region.address), result.region.byteLength);
        regions.push(result.region);
      }
      return result;
    },
    unmap(region: Region): void {
      source.unmap(region);
      shadow.unmapped(Number(region.address), region.byteLength);
      regions.splice(regions.findIndex((entry) => entry.address === region.address), 1);
    },
  };
}

function expectRejection(action: () => void, codes: readonly string[], what: string): void {
  try {
    action();
  } catch (error) {
    if (error instanceof SlabError && codes.includes(error.code)) return;
    throw new ShadowViolation(`${what}: expected ${codes.join(' or ')}, got ${error instanceof Error ? `${error.name} ${(error as { code?: string }).code ?? ''} ${error.message}` : String(error)}`);
  }
  throw new ShadowViolation(`${what}: expected ${codes.join(' or ')}, but the allocator accepted it`);
}

/** Runs one case. Never throws for a finding: it returns it. */
export function runSlabCase(testCase: SlabCase, options: { mutant?: MutantName; native?: NativeHooks; invariants?: boolean } = {}): CaseResult {
  const { config, ops } = testCase;
  const native = options.native;
  const baseSource = native ? native.createSource(config) : new SimulatedPageSource({ pageSize: config.pageSize, cpus: config.cpus });
  const stateSize = native ? native.stateSize : config.stateSize;
  const shadow = new ShadowRecord(stateSize, baseSource.pageSize);
  const regions: Region[] = [];
  const source = observed(baseSource, shadow, regions);
  const slabOptions: SlabOptions = { ...settingsOf(config), pageSize: baseSource.pageSize, stateSize, source };
  const allocator = createAllocator(slabOptions, options.mutant);
  const held: StateHandle[] = [];
  const freed: bigint[] = [];
  let operations = 0;
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
            if (handle === null) {
              if (!source.failing) throw new ShadowViolation(`allocate() returned null although the page source works (${allocator.stats().lastMapFailure ?? ''})`);
              break;
            }
            shadow.allocated(Number(handle.address), step);
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
            const index = (operation.pick + count * 7919) % held.length;
            const handle = held[index]!;
            held[index] = held[held.length - 1]!;
            held.pop();
            try {
              allocator.free(operation.op === 'free' ? handle : handle.address);
            } catch (error) {
              throw new ShadowViolation(`free() rejected a held state 0x${handle.address.toString(16)}: ${(error as Error).message}`);
            }
            shadow.freed(Number(handle.address), step);
            freed.push(handle.address);
            if (freed.length > 64) freed.shift();
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
        case 'drop': {
          const region = regions[operation.pick % Math.max(1, regions.length)];
          if (region && native) native.drop(region);
          break;
        }
        case 'dispose':
          allocator.dispose();
          disposed = true;
          if (regions.length > 0) throw new ShadowViolation(`dispose() left ${regions.length} region(s) mapped`);
          break;
      }
      if (disposed) continue;
      // invariants: false leaves the shadow record as the only oracle (to test it alone).
      if (options.invariants !== false) allocator.checkInvariants();
      const inUse = allocator.stats().statesInUse;
      if (inUse !== shadow.held) throw new ShadowViolation(`the allocator counts ${inUse} states in use; ${shadow.held} are held`);
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

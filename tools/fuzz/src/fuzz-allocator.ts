// fuzzAllocator(): the allocator target as a library call, for a user's own tests (vitest,
// fast-check, node:test); and the C ABI that lets a shared library be fuzzed the same way.
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { MmapPageSource } from '@vgetrandom/slab';
import { nativeHooks } from './native.js';
import { MADV_NORMAL, MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE, type SharedLibrary, madvise, openSharedLibrary, pageSize as hostPageSize, toAddress } from '@vgetrandom/sys';
import {
  type AllocatorCaseResult,
  type AllocatorContract,
  type AllocatorEnvironment,
  type AllocatorFactory,
  type AllocatorOperation,
  REJECTIONS,
  type Rejection,
  allocatorOperations,
  runAllocatorCase,
} from './targets/allocator.js';

export interface FuzzAllocatorOptions {
  /** Bytes a state needs. Default: the kernel's state size with `native`, else 144 (x86_64's). */
  readonly stateSize?: number;
  /** Default: the host's page size with `native`, else 4096. */
  readonly pageSize?: number;
  /** The frees it promises to refuse by throwing. Default: none (only what any allocator must do is checked). */
  readonly rejects?: readonly Rejection[];
  /** It returns null once this many states are in use. */
  readonly maxStates?: number;
  /** Real MAP_DROPPABLE pages with the kernel's flags, and every state used in a real vDSO getrandom call. Linux with vDSO getrandom only. */
  readonly native?: boolean;
  readonly seed?: number;
  /** Cases to run (default 200), or a time budget instead. */
  readonly runs?: number;
  readonly timeMs?: number;
  /** The longest operation sequence (default 120). */
  readonly maxOperations?: number;
}

export interface FuzzAllocatorReport {
  readonly ok: boolean;
  readonly seed: number;
  readonly runs: number;
  readonly operations: number;
  readonly elapsedMs: number;
  readonly operationsPerSecond: number;
  readonly contract: AllocatorContract;
  /** The first failure, shrunk: the fewest operations that still break it. */
  readonly failure?: {
    readonly message: string;
    readonly step: number;
    readonly allocationSite?: string;
    readonly freeSite?: string;
    readonly operations: readonly AllocatorOperation[];
  };
}

export class FuzzAllocatorError extends Error {
  override readonly name = 'FuzzAllocatorError';
  readonly code = 'ERR_FUZZ_OPTIONS';
}

const positive = (value: unknown) => typeof value === 'number' && Number.isSafeInteger(value) && value > 0;

/** The kernel's environment: the native target's hooks (MmapPageSource with the kernel's flags, each state used in a vDSO call), with a mapping check first. */
export function nativeEnvironment(): { environment: AllocatorEnvironment; stateSize: number; pageSize: number } | string {
  const hooks = nativeHooks();
  if (typeof hooks === 'string') return hooks;
  const page = hostPageSize();
  return {
    stateSize: hooks.stateSize,
    pageSize: page,
    environment: {
      createSource: () => hooks.createSource(),
      mmapProt: hooks.mmapProt,
      mmapFlags: hooks.mmapFlags,
      useState: (address) => {
        // A state in memory that is not mapped would crash the process in the vDSO: ask the kernel first (ENOMEM).
        try {
          madvise(toAddress(address - (address % BigInt(page))), page, MADV_NORMAL);
        } catch {
          return -12;
        }
        return hooks.useState(address);
      },
    },
  };
}

/** The contract and environment the options describe, or a typed error saying what is wrong. */
/** `mapsItself` is the C path's (not a user option: it switches the page-source checks off). */
export function resolveContract(options: FuzzAllocatorOptions, mapsItself = false): { contract: AllocatorContract; environment?: AllocatorEnvironment } {
  for (const key of Object.keys(options)) {
    if (!['stateSize', 'pageSize', 'rejects', 'maxStates', 'native', 'seed', 'runs', 'timeMs', 'maxOperations'].includes(key)) throw new FuzzAllocatorError(`unknown option '${key}'`);
  }
  for (const key of ['stateSize', 'pageSize', 'maxStates', 'runs', 'timeMs', 'maxOperations'] as const) {
    if (options[key] !== undefined && !positive(options[key])) throw new FuzzAllocatorError(`${key} must be a positive integer (got ${String(options[key])})`);
  }
  if (options.seed !== undefined && !Number.isSafeInteger(options.seed)) throw new FuzzAllocatorError(`seed must be an integer (got ${String(options.seed)})`);
  const rejects = options.rejects ?? [];
  if (!Array.isArray(rejects) || rejects.some((entry) => !REJECTIONS.includes(entry))) throw new FuzzAllocatorError(`rejects lists frees from ${REJECTIONS.join(', ')} (got ${JSON.stringify(rejects)})`);
  let environment: AllocatorEnvironment | undefined;
  let stateSize = options.stateSize ?? 144;
  let pageSize = options.pageSize ?? 4096;
  if (options.native) {
    const native = nativeEnvironment();
    if (typeof native === 'string') throw new FuzzAllocatorError(`native fuzzing ${native}`);
    if (options.stateSize !== undefined && options.stateSize !== native.stateSize) throw new FuzzAllocatorError(`with native, stateSize is the kernel's (${native.stateSize}); got ${options.stateSize}`);
    if (options.pageSize !== undefined && options.pageSize !== native.pageSize) throw new FuzzAllocatorError(`with native, pageSize is the host's (${native.pageSize}); got ${options.pageSize}`);
    ({ environment, stateSize, pageSize } = native);
  }
  if ((pageSize & (pageSize - 1)) !== 0) throw new FuzzAllocatorError(`pageSize must be a power of two (got ${pageSize})`);
  if (stateSize > pageSize) throw new FuzzAllocatorError(`a state of ${stateSize} B cannot fit a ${pageSize} B page`);
  const contract: AllocatorContract = { stateSize, pageSize, rejects, ...(options.maxStates === undefined ? {} : { maxStates: options.maxStates }), ...(mapsItself ? { mapsItself: true } : {}) };
  return { contract, ...(environment ? { environment } : {}) };
}

/** Fuzzes `factory` (called once a case) and returns what happened; a failure comes shrunk. */
export function fuzzAllocator(factory: AllocatorFactory, options: FuzzAllocatorOptions = {}): FuzzAllocatorReport {
  if (typeof factory !== 'function') throw new FuzzAllocatorError(`fuzzAllocator takes a factory function (context) => allocator (got ${typeof factory})`);
  const { contract, environment } = resolveContract(options);
  return fuzzWith((ops) => runAllocatorCase(factory, contract, ops, environment), contract, options);
}

/** The shared loop: fast-check over operation sequences, shrinking the first failure. */
export function fuzzWith(check: (ops: readonly AllocatorOperation[]) => AllocatorCaseResult, contract: AllocatorContract, options: FuzzAllocatorOptions): FuzzAllocatorReport {
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const started = performance.now();
  let runs = 0;
  let operations = 0;
  const result = fc.check(
    fc.property(allocatorOperations(contract, options.maxOperations ?? 120), (ops) => {
      const outcome = check(ops);
      runs += 1;
      operations += outcome.operations;
      return outcome.ok;
    }),
    {
      seed,
      numRuns: options.timeMs === undefined ? (options.runs ?? 200) : Number.MAX_SAFE_INTEGER,
      ...(options.timeMs === undefined ? {} : { interruptAfterTimeLimit: options.timeMs, markInterruptAsFailure: false }),
    },
  );
  const elapsedMs = performance.now() - started;
  const base = { seed, runs, operations, elapsedMs, operationsPerSecond: operations / Math.max(elapsedMs / 1000, 1e-9), contract };
  if (!result.failed || !result.counterexample) return { ok: true, ...base };
  const [shrunk] = result.counterexample as [AllocatorOperation[]];
  const replayed = check(shrunk);
  const failure = replayed.ok
    ? { message: result.errorInstance instanceof Error ? result.errorInstance.message : 'the property failed', step: -1 }
    : { message: replayed.message, step: replayed.step, ...(replayed.allocationSite ? { allocationSite: replayed.allocationSite } : {}), ...(replayed.freeSite ? { freeSite: replayed.freeSite } : {}) };
  return { ok: false, ...base, failure: { ...failure, operations: shrunk } };
}

/** A report in words: the broken rule, where, and the shrunk operations to replay. */
export function describeReport(report: FuzzAllocatorReport): string {
  if (report.ok) return `no finding in ${report.runs} cases (${report.operations} operations), seed ${report.seed}`;
  const failure = report.failure!;
  const sites = failure.allocationSite ? ` (allocated at ${failure.allocationSite}${failure.freeSite ? `, freed at ${failure.freeSite}` : ''})` : '';
  return `${failure.message}${sites}\n  at step ${failure.step} of ${JSON.stringify(failure.operations)}\n  seed ${report.seed}`;
}

/** Like fuzzAllocator, but throws a FuzzAllocatorError describing the shrunk failure: for `expect(() => ...).not.toThrow()` or a bare call in a test. */
export function assertAllocator(factory: AllocatorFactory, options: FuzzAllocatorOptions = {}): FuzzAllocatorReport {
  const report = fuzzAllocator(factory, options);
  if (!report.ok) throw new FuzzAllocatorError(describeReport(report));
  return report;
}

/**
 * The C ABI (see the README): a shared library exporting
 *   int vgr_init(size_t state_size, size_t page_size, int prot, int flags);   0: ready (called before every case)
 *   uintptr_t vgr_alloc(void);                                                0: none
 *   int vgr_free(uintptr_t state);                                            0: taken back; anything else: refused
 * and optionally
 *   void vgr_reset(void);        after every case: give every page back
 *   long vgr_in_use(void);       states handed out and not freed
 *   int vgr_check(void);         0 when its own bookkeeping is sound
 *   unsigned vgr_rejects(void);  the frees it refuses: bit 0 double, bit 1 foreign, bit 2 misaligned
 * Its pages are its own (it calls mmap with `prot` and `flags`), in this process.
 */
export interface CAllocator {
  readonly library: SharedLibrary;
  readonly factory: AllocatorFactory;
  /** What vgr_rejects() says it refuses (none when it does not export it). */
  readonly rejects: readonly Rejection[];
}

export function cAllocator(path: string): CAllocator {
  const library = openSharedLibrary(path);
  const init = library.required('int vgr_init(size_t state_size, size_t page_size, int prot, int flags)');
  const alloc = library.required('uintptr_t vgr_alloc(void)');
  const free = library.required('int vgr_free(uintptr_t state)');
  const reset = library.optional('void vgr_reset(void)');
  const inUse = library.optional('long vgr_in_use(void)');
  const check = library.optional('int vgr_check(void)');
  const rejectsBits = library.optional('unsigned int vgr_rejects(void)');
  const bits = rejectsBits ? Number(rejectsBits()) : 0;
  const rejects = REJECTIONS.filter((_, bit) => (bits & (1 << bit)) !== 0);
  const factory: AllocatorFactory = (context) => {
    const status = Number(init(context.stateSize, context.pageSize, context.mmapProt, context.mmapFlags));
    if (status !== 0) throw new Error(`vgr_init(${context.stateSize}, ${context.pageSize}, ${context.mmapProt}, ${context.mmapFlags}) returned ${status}`);
    return {
      allocate: () => {
        const address = Number(alloc());
        return address === 0 ? null : address;
      },
      free: (address) => {
        const refused = Number(free(Number(address)));
        if (refused !== 0) throw new Error(`vgr_free(0x${address.toString(16)}) refused it (${refused})`);
      },
      ...(inUse ? { stats: () => ({ inUse: Number(inUse()) }) } : {}),
      ...(check
        ? {
            checkInvariants: () => {
              const answer = Number(check());
              if (answer !== 0) throw new Error(`vgr_check() returned ${answer}`);
            },
          }
        : {}),
      ...(reset ? { dispose: () => reset() } : {}),
    };
  };
  return { library, factory, rejects };
}

/** The environment a C allocator runs in: the kernel's flags and the vDSO as oracle where the host has them, else plain anonymous memory. */
export function cEnvironment(): { environment: AllocatorEnvironment; stateSize: number; pageSize: number; native: boolean } {
  const native = nativeEnvironment();
  if (typeof native !== 'string') return { ...native, native: true };
  const mmapProt = PROT_READ | PROT_WRITE;
  const mmapFlags = MAP_PRIVATE | MAP_ANONYMOUS;
  return { environment: { createSource: () => new MmapPageSource({ mmapProt, mmapFlags }), mmapProt, mmapFlags }, stateSize: 144, pageSize: hostPageSize(), native: false };
}

/** Fuzzes a C allocator (see cAllocator): with the kernel as oracle where the host has vDSO getrandom. */
export function fuzzCAllocator(path: string, options: Omit<FuzzAllocatorOptions, 'native' | 'stateSize' | 'pageSize'> = {}): FuzzAllocatorReport & { native: boolean } {
  const c = cAllocator(path);
  const { environment, stateSize, pageSize, native } = cEnvironment();
  const { contract } = resolveContract({ ...options, stateSize, pageSize, rejects: options.rejects ?? c.rejects }, true);
  return { ...fuzzWith((ops) => runAllocatorCase(c.factory, contract, ops, environment), contract, options), native };
}

/** A JavaScript allocator module: its default export (or `createAllocator`) is the factory; `rejects` and `maxStates` exports state its contract. */
export async function loadAllocatorModule(path: string): Promise<{ factory: AllocatorFactory; rejects: readonly Rejection[]; maxStates?: number }> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (cause) {
    throw new FuzzAllocatorError(`could not load the allocator module ${path}: ${(cause as Error).message}`, { cause });
  }
  const factory = typeof module['default'] === 'function' ? module['default'] : module['createAllocator'];
  if (typeof factory !== 'function') throw new FuzzAllocatorError(`${path} exports no factory: make its default export (or an export named createAllocator) a function (context) => allocator`);
  const rejects = module['rejects'] ?? [];
  if (!Array.isArray(rejects) || rejects.some((entry) => !REJECTIONS.includes(entry as Rejection))) throw new FuzzAllocatorError(`${path}: its rejects export lists frees from ${REJECTIONS.join(', ')} (got ${JSON.stringify(rejects)})`);
  const maxStates = module['maxStates'];
  if (maxStates !== undefined && !positive(maxStates)) throw new FuzzAllocatorError(`${path}: its maxStates export must be a positive integer (got ${String(maxStates)})`);
  return { factory: factory as AllocatorFactory, rejects: rejects as Rejection[], ...(maxStates === undefined ? {} : { maxStates: maxStates as number }) };
}

/** What a finding of the allocator target holds: which allocator, its contract and the shrunk operations. */
export interface AllocatorFindingInput {
  readonly allocator: { readonly module: string } | { readonly library: string };
  readonly native: boolean;
  readonly contract: AllocatorContract;
  readonly operations: readonly AllocatorOperation[];
}

/** Runs the allocator target for the CLI: a module or a C library, its contract from options and exports. */
export async function prepareAllocatorTarget(options: { module?: string; library?: string; native?: boolean; stateSize?: number; pageSize?: number; rejects?: readonly Rejection[]; maxStates?: number }): Promise<{ check: (ops: readonly AllocatorOperation[]) => AllocatorCaseResult; contract: AllocatorContract; native: boolean; allocator: AllocatorFindingInput['allocator'] }> {
  if (options.library !== undefined) {
    const c = cAllocator(options.library);
    const { environment, stateSize, pageSize, native } = cEnvironment();
    const { contract } = resolveContract({ stateSize, pageSize, rejects: options.rejects ?? c.rejects, ...(options.maxStates === undefined ? {} : { maxStates: options.maxStates }) }, true);
    return { check: (ops) => runAllocatorCase(c.factory, contract, ops, environment), contract, native, allocator: { library: options.library } };
  }
  const loaded = await loadAllocatorModule(options.module!);
  const maxStates = options.maxStates ?? loaded.maxStates;
  const { contract, environment } = resolveContract({
    ...(options.stateSize === undefined ? {} : { stateSize: options.stateSize }),
    ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
    rejects: options.rejects ?? loaded.rejects,
    ...(maxStates === undefined ? {} : { maxStates }),
    ...(options.native ? { native: true } : {}),
  });
  return { check: (ops) => runAllocatorCase(loaded.factory, contract, ops, environment), contract, native: options.native === true, allocator: { module: options.module! } };
}

/** Replays an allocator finding: the same allocator, contract and operations. */
export async function replayAllocatorFinding(input: AllocatorFindingInput): Promise<AllocatorCaseResult> {
  if ('library' in input.allocator) {
    const c = cAllocator(input.allocator.library);
    return runAllocatorCase(c.factory, input.contract, input.operations, cEnvironment().environment);
  }
  const loaded = await loadAllocatorModule(input.allocator.module);
  let environment: AllocatorEnvironment | undefined;
  if (input.native) {
    const native = nativeEnvironment();
    if (typeof native === 'string') throw new FuzzAllocatorError(`this finding ran on real memory, and this host ${native}`);
    environment = native.environment;
  }
  return runAllocatorCase(loaded.factory, input.contract, input.operations, environment);
}

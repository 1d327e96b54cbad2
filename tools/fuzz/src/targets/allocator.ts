// Fuzzing an allocator of the user's: a minimal contract (allocate, free, the geometry it
// promises; stats and checkInvariants checked when present), random operation sequences, and
// oracles that do not trust the allocator: the shadow record (no state handed out twice, no
// overlap, none straddling a page, none outside mapped memory, frees honoured), refusals where
// the contract says it refuses, and on real MAP_DROPPABLE memory the kernel itself (every state
// used in a real vDSO getrandom call).
import fc from 'fast-check';
import { type PageSource, type Region, SimulatedPageSource } from '@vgetrandom/slab';
import { ShadowRecord, ShadowViolation, takePicked, watchedSource } from '../shadow.js';

/** What an allocator under test offers. Addresses are numbers or bigints. */
export interface PluggableAllocator {
  /** A state's address, or null when it cannot hand one out (its page source failed, or its limit is reached). */
  allocate(): number | bigint | null;
  /** Takes a state back. Throws to refuse (a double, foreign or misaligned free, when the contract says it refuses them). */
  free(address: number | bigint): void;
  /** Optional counts, each checked against the fuzzer's own when present. */
  stats?(): AllocatorCounts;
  /** Optional: throws when the allocator's own bookkeeping is broken; called after every step. */
  checkInvariants?(): void;
  /** Optional: gives everything back; called at the end of each case (with a page source, every region must then be unmapped). */
  dispose?(): void;
}

export interface AllocatorCounts {
  /** States handed out and not freed. */
  readonly inUse?: number;
  /** States it could hand out without mapping more. */
  readonly free?: number;
  /** Bytes of pages it holds mapped. */
  readonly mappedBytes?: number;
}

/** What an allocator is given when the fuzzer creates it (once a case). */
export interface AllocatorContext {
  /** Bytes a state needs (the kernel's size_of_opaque_state on real memory). */
  readonly stateSize: number;
  /** No state may cross a multiple of this. */
  readonly pageSize: number;
  /** Where to map pages: simulated addresses, or real MAP_DROPPABLE memory with `native`. It may fail (a result, not a throw). */
  readonly source: PageSource;
  /** The mmap protection and flags the kernel asks for (real memory only; 0 when simulated). */
  readonly mmapProt: number;
  readonly mmapFlags: number;
}

export type AllocatorFactory = (context: AllocatorContext) => PluggableAllocator;

/** Frees that the allocator promises to refuse (by throwing). Those it does not promise are never attempted. */
export type Rejection = 'double-free' | 'foreign' | 'misaligned';
export const REJECTIONS: readonly Rejection[] = ['double-free', 'foreign', 'misaligned'];

export interface AllocatorContract {
  readonly stateSize: number;
  readonly pageSize: number;
  readonly rejects: readonly Rejection[];
  /** It refuses (returns null) once this many states are in use. */
  readonly maxStates?: number;
  /** It maps its own memory (a C library): no page source, so no injected failures and no mapping checks but the kernel's. */
  readonly mapsItself?: boolean;
}

export type AllocatorOperation =
  | { readonly op: 'alloc'; readonly n: number }
  | { readonly op: 'free'; readonly n: number; readonly pick: number }
  | { readonly op: 'double-free'; readonly pick: number }
  | { readonly op: 'foreign'; readonly page: number }
  | { readonly op: 'misaligned'; readonly pick: number; readonly delta: number }
  | { readonly op: 'fail-source'; readonly on: boolean };

/** Operation sequences for a contract: only the refusals it promises, and page-source failures only where the fuzzer owns the pages. */
export function allocatorOperations(contract: AllocatorContract, maxOperations = 120): fc.Arbitrary<AllocatorOperation[]> {
  const rejects = new Set(contract.rejects);
  const operation = fc.oneof(
    { arbitrary: fc.integer({ min: 1, max: 64 }).map((n) => ({ op: 'alloc' as const, n })), weight: 30 },
    { arbitrary: fc.record({ op: fc.constant('free' as const), n: fc.integer({ min: 1, max: 64 }), pick: fc.nat() }), weight: 26 },
    { arbitrary: fc.record({ op: fc.constant('double-free' as const), pick: fc.nat() }), weight: rejects.has('double-free') ? 4 : 0 },
    { arbitrary: fc.record({ op: fc.constant('foreign' as const), page: fc.integer({ min: 1, max: 15 }) }), weight: rejects.has('foreign') ? 2 : 0 },
    { arbitrary: fc.record({ op: fc.constant('misaligned' as const), pick: fc.nat(), delta: fc.integer({ min: 1, max: 4095 }) }), weight: rejects.has('misaligned') ? 3 : 0 },
    { arbitrary: fc.boolean().map((on) => ({ op: 'fail-source' as const, on })), weight: contract.mapsItself ? 0 : 3 },
  );
  return fc.array(operation, { minLength: 1, maxLength: maxOperations, size: 'max' });
}

/** The kernel as oracle: uses a state in a real vDSO getrandom call and returns the call's result (16 when accepted). */
export type KernelUse = (address: bigint) => number;

/** What runs under a case: simulated pages (default), or real ones with the kernel's flags and the kernel as oracle. */
export interface AllocatorEnvironment {
  readonly createSource: () => PageSource;
  readonly mmapProt: number;
  readonly mmapFlags: number;
  readonly useState?: KernelUse;
}

export type AllocatorCaseResult =
  | { readonly ok: true; readonly operations: number }
  | { readonly ok: false; readonly operations: number; readonly message: string; readonly step: number; readonly allocationSite?: string; readonly freeSite?: string };

function toAddressNumber(value: unknown, what: string): number {
  const number = typeof value === 'bigint' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number <= 0) throw new ShadowViolation(`${what} returned ${typeof value === 'bigint' ? `${value}n` : String(value)}, not an address (a positive integer) or null`);
  return number;
}

function mustRefuse(action: () => void, what: string): void {
  try {
    action();
  } catch {
    return;
  }
  throw new ShadowViolation(`${what}: the contract says it refuses this, but free() accepted it`);
}

/** Runs one operation sequence on a fresh allocator. Never throws for a finding: it returns it. */
export function runAllocatorCase(factory: AllocatorFactory, contract: AllocatorContract, ops: readonly AllocatorOperation[], environment?: AllocatorEnvironment): AllocatorCaseResult {
  const shadow = new ShadowRecord(contract.stateSize, contract.pageSize);
  const regions: Region[] = [];
  const base = environment?.createSource() ?? new SimulatedPageSource({ pageSize: contract.pageSize });
  const source = watchedSource(base, shadow, regions);
  let operations = 0;
  let step = 0;
  const held: number[] = [];
  const freed: number[] = [];
  let allocator: PluggableAllocator | undefined;
  try {
    allocator = factory({ stateSize: contract.stateSize, pageSize: contract.pageSize, source, mmapProt: environment?.mmapProt ?? 0, mmapFlags: environment?.mmapFlags ?? 0 });
    if (typeof allocator?.allocate !== 'function' || typeof allocator.free !== 'function') throw new ShadowViolation('the factory did not return an object with allocate() and free()');
    const checkCounts = () => {
      const counts = allocator!.stats?.();
      if (counts !== undefined) {
        if (counts.inUse !== undefined && counts.inUse !== shadow.held) throw new ShadowViolation(`stats().inUse is ${counts.inUse}; the shadow record holds ${shadow.held}`);
        if (!contract.mapsItself && counts.mappedBytes !== undefined) {
          const mapped = regions.reduce((total, region) => total + region.byteLength, 0);
          if (counts.mappedBytes !== mapped) throw new ShadowViolation(`stats().mappedBytes is ${counts.mappedBytes}; the page source has ${mapped} B mapped for it`);
        }
        if (counts.free !== undefined && (!Number.isSafeInteger(counts.free) || counts.free < 0)) throw new ShadowViolation(`stats().free is ${counts.free}`);
      }
      allocator!.checkInvariants?.();
    };
    for (step = 0; step < ops.length; step += 1) {
      const operation = ops[step]!;
      switch (operation.op) {
        case 'alloc':
          for (let count = 0; count < operation.n; count += 1) {
            operations += 1;
            const result = allocator.allocate();
            const full = contract.maxStates !== undefined && shadow.held >= contract.maxStates;
            if (result === null) {
              if (!source.failing && !full) throw new ShadowViolation(`allocate() returned null with ${shadow.held} states held and ${contract.mapsItself ? 'nothing that should stop it' : 'the page source working'}`, `operation ${step}`);
              break;
            }
            const address = toAddressNumber(result, 'allocate()');
            if (full) throw new ShadowViolation(`allocate() handed out a state beyond maxStates ${contract.maxStates}`, `operation ${step}`);
            if (contract.mapsItself) shadow.mapped(address - (address % contract.pageSize), contract.pageSize);
            shadow.allocated(address, step);
            if (environment?.useState) {
              const answer = environment.useState(BigInt(address));
              if (answer !== 16) throw new ShadowViolation(`the kernel refused state 0x${address.toString(16)}: vgetrandom returned ${answer}`, `operation ${step}`);
            }
            held.push(address);
          }
          break;
        case 'free':
          for (let count = 0; count < operation.n && held.length > 0; count += 1) {
            operations += 1;
            const address = takePicked(held, operation.pick, count);
            try {
              allocator.free(address);
            } catch (error) {
              throw new ShadowViolation(`free() refused a held state 0x${address.toString(16)}: ${(error as Error).message}`);
            }
            shadow.freed(address, step);
            freed.push(address);
            if (freed.length > 64) freed.shift();
          }
          break;
        case 'double-free': {
          const address = freed[operation.pick % Math.max(1, freed.length)];
          if (address === undefined || shadow.isHeld(address)) break;
          operations += 1;
          mustRefuse(() => allocator!.free(address), `a second free of 0x${address.toString(16)}`);
          break;
        }
        case 'foreign': {
          // Below mmap_min_addr (64 KiB by default): never mapped, never a state.
          const address = operation.page * 4096;
          operations += 1;
          mustRefuse(() => allocator!.free(address), `a free of 0x${address.toString(16)}, never handed out`);
          break;
        }
        case 'misaligned': {
          const address = held[operation.pick % Math.max(1, held.length)];
          if (address === undefined || contract.stateSize < 2) break;
          operations += 1;
          const delta = 1 + (operation.delta % (contract.stateSize - 1));
          mustRefuse(() => allocator!.free(address + delta), `a free of 0x${address.toString(16)}+${delta}, inside a held state`);
          break;
        }
        case 'fail-source':
          source.failing = operation.on;
          break;
      }
      checkCounts();
    }
    if (allocator.dispose) {
      allocator.dispose();
      if (!contract.mapsItself && regions.length > 0) throw new ShadowViolation(`dispose() left ${regions.length} region(s) mapped`);
    }
    return { ok: true, operations };
  } catch (error) {
    try {
      allocator?.dispose?.();
    } catch {
      // A broken allocator may not even dispose cleanly; the finding is what matters.
    }
    // Whatever the allocator left mapped in real memory goes back, so that cases do not pile up.
    for (const region of [...regions]) {
      try {
        base.unmap(region);
      } catch {
        // Already gone.
      }
    }
    const violation = error instanceof ShadowViolation ? error : undefined;
    return {
      ok: false,
      operations,
      step,
      message: violation ? violation.message : `the allocator threw ${(error as Error)?.name ?? typeof error}: ${(error as Error)?.message ?? String(error)}`,
      ...(violation?.allocationSite ? { allocationSite: violation.allocationSite } : {}),
      ...(violation?.freeSite ? { freeSite: violation.freeSite } : {}),
    };
  }
}

// The explorer's model: every profile run through one scenario, one step per thread event, with
// everything the page draws at that step (pages and slots, the free list in hand-out order,
// glibc's pointer array and Go's slice, what the step caused) and the source that decides it.
// Pure: simulated pages only, no native code.
import {
  type ProfileHost,
  type ProfileName,
  SimulatedPageSource,
  SlabAllocator,
  type ThreadEvent,
  allocatorOptions,
  computeGeometry,
  glibcPointerArray,
  profileSettings,
} from '@vgetrandom/slab';
import { observe } from './trace.js';

/** Where a step's behaviour comes from: file, function and the version read. */
export interface SourceLine {
  readonly file: string;
  readonly func: string;
  readonly version: string;
  readonly says: string;
}

type Kind = 'take' | 'refill' | 'return' | 'keep' | 'unmap';

const GLIBC = 'sysdeps/unix/sysv/linux/getrandom.c';
const GO = 'src/runtime/vgetrandom_linux.go';
const SELFTEST = 'tools/testing/selftests/vDSO/vdso_test_getrandom.c';
const OURS = 'packages/slab/src/allocator.ts';

/** The source line that decides each kind of step, by profile (the same reading as profiles.ts). */
export const SOURCES: Readonly<Record<ProfileName, Partial<Record<Kind, SourceLine>>>> = {
  'glibc-2.41': {
    take: { file: GLIBC, func: 'vgetrandom_get_state()', version: 'glibc 2.41', says: 'state = grnd_alloc.states[--grnd_alloc.len]: the last pointer in the array' },
    refill: { file: GLIBC, func: 'vgetrandom_get_state_alloc()', version: 'glibc 2.41', says: 'one page of states, pointers stored in address order; a new pointer array when total + states_per_page > cap' },
    return: { file: GLIBC, func: '__getrandom_vdso_release()', version: 'glibc 2.41', says: 'from start_thread() (nptl/pthread_create.c) as the thread ends: states[len] = pointer, TCB cleared, fence, len + 1' },
  },
  'go-1.24': {
    take: { file: GO, func: 'vgetrandomGetState()', version: 'Go 1.24.4', says: 'the last element of vgetrandomAlloc.states; the slice is shortened by one' },
    refill: { file: GO, func: 'vgetrandomGetState()', version: 'Go 1.24.4', says: 'the slice is empty: mmap ncpu × stride rounded up to pages, every state appended in address order' },
    return: { file: GO, func: 'vgetrandomDestroy(mp)', version: 'Go 1.24.4', says: 'from mexit() (src/runtime/proc.go) when the M exits: append to vgetrandomAlloc.states' },
  },
  'selftest-6.11': {
    take: { file: SELFTEST, func: 'vgetrandom_get_state()', version: 'Linux 6.11', says: 'vgrnd.states[--vgrnd.len]' },
    refill: { file: SELFTEST, func: 'vgetrandom_get_state()', version: 'Linux 6.11', says: 'the array is empty: mmap online CPUs × size, rounded up to pages' },
    return: { file: SELFTEST, func: 'vgetrandom_put_state()', version: 'Linux 6.11', says: 'the destructor of the pthread key vgetrandom_init() creates: the state goes back on the array' },
  },
  selftest: {
    take: { file: SELFTEST, func: 'vgetrandom_get_state()', version: 'Linux 6.12', says: 'vgrnd.states[--vgrnd.len]' },
    refill: { file: SELFTEST, func: 'vgetrandom_get_state()', version: 'Linux 6.12', says: 'the array is empty: mmap online CPUs × stride (size up to the L1D line), rounded up to pages' },
    keep: { file: SELFTEST, func: 'vgetrandom()', version: 'Linux 6.12', says: 'the state lives in a __thread variable and is never put back ("selftests: vDSO: simplify getrandom thread local storage and structs")' },
  },
  adaptive: {
    take: { file: OURS, func: 'SlabAllocator.allocate()', version: 'this project', says: 'the head of the free list (the state freed last, else the lowest free slot of the newest chunk)' },
    refill: { file: OURS, func: 'SlabAllocator.mapRefill()', version: 'this project', says: '1, 2, 4, … pages a refill, up to maxChunkPages' },
    return: { file: OURS, func: 'SlabAllocator.free()', version: 'this project', says: 'back to the head of the free list: the next state handed out' },
    unmap: { file: OURS, func: 'SlabAllocator.freeSlot()', version: 'this project', says: 'a chunk whose states are all free is unmapped once more than keepEmpty (1) chunks are' },
  },
};

export type SlotState = 'free' | 'held' | 'kept' | 'unmapped';

export interface ExplorePage {
  readonly chunk: number;
  readonly page: number;
  readonly address: string;
  /** One letter a slot: f free, h held, k kept after its thread ended, u unmapped. */
  readonly slots: string;
  /** The thread holding each slot (0 is the main thread), or null. */
  readonly owners: ReadonlyArray<number | null>;
}

export interface ExploreStep {
  readonly label: string;
  /** What the step caused, in order. */
  readonly effects: readonly string[];
  readonly sources: readonly SourceLine[];
  /** The slot this step took or gave back, as `chunk:page:slot`. */
  readonly touched: string | null;
  readonly pages: readonly ExplorePage[];
  /** Free states in hand-out order, as `cNpNsN`, the next one first (at most 64). */
  readonly freeList: readonly string[];
  readonly freeCount: number;
  /** glibc 2.41's pointer array: len used, cap pointers. */
  readonly pointerArray?: { readonly len: number; readonly cap: number };
  /** Go 1.24's vgetrandomAlloc.states slice: its length. */
  readonly slice?: { readonly len: number };
}

export interface ExploreProfile {
  readonly name: ProfileName;
  readonly summary: string;
  readonly stride: number;
  readonly statesPerPage: number;
  readonly steps: readonly ExploreStep[];
}

export interface ExploreData {
  readonly scenario: string;
  readonly stateSize: number;
  readonly pageSize: number;
  readonly profiles: readonly ExploreProfile[];
}

const hex = (address: bigint) => `0x${address.toString(16)}`;

/** Runs `events` (after the main thread's call) on each profile over simulated pages. */
export function exploreModel(options: { scenario: string; events: readonly ThreadEvent[]; profiles: readonly ProfileName[]; host: ProfileHost; stateSize: number; pageSize: number }): ExploreData {
  const profiles = options.profiles.map((name): ExploreProfile => {
    const settings = profileSettings(name, { ...options.host, stateSize: options.stateSize });
    const geometry = computeGeometry(options.stateSize, options.pageSize, settings.alignment);
    const chunks: Array<{ number: number; address: bigint; bytes: number; unmapped: boolean }> = [];
    let effects: string[] = [];
    let kinds: Kind[] = [];
    const source = observe(
      new SimulatedPageSource({ pageSize: options.pageSize, cpus: settings.cpus }),
      (region) => {
        chunks.push({ number: chunks.length + 1, address: region.address, bytes: region.byteLength, unmapped: false });
        const pages = region.byteLength / options.pageSize;
        effects.push(`refill: mmap ${region.byteLength} B (${pages} page${pages === 1 ? '' : 's'}) -> chunk ${chunks.length}`);
        kinds.push('refill');
      },
      (region) => {
        const chunk = chunks.find((entry) => entry.address === region.address && !entry.unmapped)!;
        chunk.unmapped = true;
        effects.push(`munmap chunk ${chunk.number}: every state in it is free`);
        kinds.push('unmap');
      },
    );
    const slab = new SlabAllocator({ stateSize: options.stateSize, source, ...allocatorOptions(settings) });
    const where = (address: bigint) => {
      const chunk = chunks.find((entry) => !entry.unmapped && address >= entry.address && address < entry.address + BigInt(entry.bytes))!;
      const offset = Number(address - chunk.address);
      return { chunk: chunk.number, page: Math.floor(offset / options.pageSize), slot: Math.floor((offset % options.pageSize) / geometry.stride) };
    };
    const label = (address: bigint) => {
      const at = where(address);
      return `c${at.chunk}p${at.page}s${at.slot}`;
    };
    const owners = new Map<bigint, { thread: number; kept: boolean }>();
    const held = new Map<number, bigint>();
    let refills = 0;
    const steps: ExploreStep[] = [];
    const record = (stepLabel: string, at: { chunk: number; page: number; slot: number } | null) => {
      const pages: ExplorePage[] = [];
      for (const chunk of chunks) {
        for (let page = 0; page < chunk.bytes / options.pageSize; page += 1) {
          const base = chunk.address + BigInt(page * options.pageSize);
          let slots = '';
          const pageOwners: Array<number | null> = [];
          for (let slot = 0; slot < geometry.statesPerPage; slot += 1) {
            const owner = owners.get(base + BigInt(slot * geometry.stride));
            slots += chunk.unmapped ? 'u' : owner === undefined ? 'f' : owner.kept ? 'k' : 'h';
            pageOwners.push(chunk.unmapped || owner === undefined ? null : owner.thread);
          }
          pages.push({ chunk: chunk.number, page, address: hex(base), slots, owners: pageOwners });
        }
      }
      refills += kinds.filter((kind) => kind === 'refill').length;
      const free = slab.stats().statesFree;
      steps.push({
        label: stepLabel,
        effects,
        sources: [...new Set(kinds)].map((kind) => SOURCES[name][kind]).filter((line): line is SourceLine => line !== undefined),
        touched: at === null ? null : `${at.chunk}:${at.page}:${at.slot}`,
        pages,
        freeList: slab.freeOrder(64).map(label),
        freeCount: free,
        ...(name === 'glibc-2.41' ? { pointerArray: { len: free, cap: glibcPointerArray(refills, geometry.statesPerPage, options.pageSize).capacity } } : {}),
        ...(name === 'go-1.24' ? { slice: { len: free } } : {}),
      });
      effects = [];
      kinds = [];
    };
    const take = (thread: number, who: string): bigint | null => {
      const state = slab.allocate();
      if (state === null) {
        effects.push(`${who} gets no state: ${slab.stats().lastMapFailure ?? 'none free'}`);
        return null;
      }
      owners.set(state.address, { thread, kept: false });
      held.set(thread, state.address);
      effects.push(`${who} takes chunk ${where(state.address).chunk} page ${where(state.address).page} slot ${where(state.address).slot} (${label(state.address)})`);
      kinds.push('take');
      return state.address;
    };
    const placed = (address: bigint | null) => (address === null ? null : where(address));
    record('main thread calls', placed(take(0, 'main thread')));
    for (const event of options.events) {
      if (event.kind === 'start') {
        record(`t${event.thread} starts and calls`, placed(take(event.thread, `t${event.thread}`)));
        continue;
      }
      const address = held.get(event.thread);
      held.delete(event.thread);
      if (address === undefined) {
        effects.push(`t${event.thread} had no state`);
        record(`t${event.thread} ends`, null);
        continue;
      }
      const place = label(address);
      const at = where(address);
      if (settings.returnsStates) {
        owners.delete(address);
        effects.push(`its state ${place} goes back to the free list; the next thread to start takes it first`);
        kinds.push('return');
        slab.free(address);
      } else {
        owners.set(address, { thread: event.thread, kept: true });
        effects.push(`its state ${place} stays taken: never returned`);
        kinds.push('keep');
      }
      record(`t${event.thread} ends`, at);
    }
    return { name, summary: settings.summary, stride: geometry.stride, statesPerPage: geometry.statesPerPage, steps };
  });
  return { scenario: options.scenario, stateSize: options.stateSize, pageSize: options.pageSize, profiles };
}

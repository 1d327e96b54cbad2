// `vgetrandom slab --trace`: every event of a scenario in the order it happens (a thread
// starts, a refill maps pages, a thread takes a slot, a thread exits and its state goes back
// or stays taken, an empty chunk is unmapped), then the pages in the order they were mapped
// and in address order. The scenario is a list of steps: `+N` starts N threads (each takes a
// state), `-N` ends the N oldest threads still running, `-tK` ends thread K.
import { type MapResult, type PageSource, type Region, type ScenarioStep, SlabError, type SlabAllocator, type StateHandle, type ThreadEvent, parseScenario as parseSteps, threadEvents } from '@vgetrandom/slab';
import { UsageError, style } from './terminal.js';

export { type ScenarioStep, startsIn } from '@vgetrandom/slab';

/** Parses `+3,-1,+2,-t2` (the grammar is the slab package's, shared with the oracle); a bad step is a user error. */
export function parseScenario(text: string): ScenarioStep[] {
  return asUsage(() => parseSteps(text));
}

/** Parses and expands a scenario to one thread event at a time; a bad step or an end of a thread not running is a user error. */
export function scenarioEvents(text: string): ThreadEvent[] {
  return asUsage(() => threadEvents(parseSteps(text)));
}

function asUsage<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof SlabError && error.code === 'ERR_SLAB_BAD_SCENARIO') throw new UsageError(`--scenario: ${error.message}`);
    throw error;
  }
}

export type TraceEvent =
  | { readonly step: number; readonly kind: 'start'; readonly thread: number }
  | { readonly step: number; readonly kind: 'map'; readonly chunk: number; readonly address: bigint; readonly bytes: number; readonly pages: number }
  | { readonly step: number; readonly kind: 'take'; readonly thread: number; readonly chunk: number; readonly page: number; readonly slot: number; readonly address: bigint }
  | { readonly step: number; readonly kind: 'exit'; readonly thread: number }
  | { readonly step: number; readonly kind: 'return' | 'keep'; readonly thread: number; readonly chunk: number; readonly page: number; readonly slot: number; readonly address: bigint }
  | { readonly step: number; readonly kind: 'unmap'; readonly chunk: number; readonly address: bigint; readonly bytes: number }
  | { readonly step: number; readonly kind: 'refused'; readonly thread: number; readonly reason: string };

/** A page source that reports every mapping and unmapping, numbering chunks in mapping order. */
export function observe(source: PageSource, onMap: (region: Region) => void, onUnmap: (region: Region) => void): PageSource {
  return {
    pageSize: source.pageSize,
    cacheLineSize: source.cacheLineSize,
    cpus: source.cpus,
    map(byteLength: number): MapResult {
      const result = source.map(byteLength);
      if (result.ok) onMap(result.region);
      return result;
    },
    unmap(region: Region): void {
      source.unmap(region);
      onUnmap(region);
    },
  };
}

export interface Trace {
  readonly events: TraceEvent[];
  /** Every chunk ever mapped, in mapping order (1-based numbers), and whether it is still mapped. */
  readonly chunks: Array<{ readonly number: number; readonly region: Region; readonly mappedAt: number; unmappedAt?: number }>;
}

/**
 * Builds the recorder first (its page source must wrap the allocator's), then `run` plays the
 * scenario on the allocator made with `recorder.source`.
 */
export function traceRecorder(source: PageSource): { source: PageSource; run(allocator: SlabAllocator, steps: readonly ScenarioStep[], returnsStates: boolean): Trace } {
  const events: TraceEvent[] = [];
  const chunks: Trace['chunks'] = [];
  const next = () => events.length + 1;
  const observed = observe(
    source,
    (region) => {
      const number = chunks.length + 1;
      chunks.push({ number, region, mappedAt: next() });
      events.push({ step: next(), kind: 'map', chunk: number, address: region.address, bytes: region.byteLength, pages: region.byteLength / source.pageSize });
    },
    (region) => {
      const chunk = chunks.find((entry) => entry.region.address === region.address && entry.unmappedAt === undefined)!;
      chunk.unmappedAt = next();
      events.push({ step: next(), kind: 'unmap', chunk: chunk.number, address: region.address, bytes: region.byteLength });
    },
  );
  const where = (address: bigint, stride: number) => {
    const chunk = chunks.find((entry) => entry.unmappedAt === undefined && address >= entry.region.address && address < entry.region.address + BigInt(entry.region.byteLength))!;
    const offset = Number(address - chunk.region.address);
    return { chunk: chunk.number, page: Math.floor(offset / source.pageSize), slot: Math.floor((offset % source.pageSize) / stride) };
  };
  return {
    source: observed,
    run(allocator, steps, returnsStates) {
      const stride = allocator.stats().stride;
      const running = new Map<number, StateHandle>();
      for (const change of asUsage(() => threadEvents(steps))) {
        const thread = change.thread;
        if (change.kind === 'start') {
          events.push({ step: next(), kind: 'start', thread });
          const state = allocator.allocate();
          if (state === null) {
            events.push({ step: next(), kind: 'refused', thread, reason: allocator.stats().lastMapFailure ?? 'no state' });
            continue;
          }
          running.set(thread, state);
          events.push({ step: next(), kind: 'take', thread, ...where(state.address, stride), address: state.address });
          continue;
        }
        events.push({ step: next(), kind: 'exit', thread });
        const state = running.get(thread);
        // A thread that got no state has none to give back.
        if (state === undefined) continue;
        running.delete(thread);
        const place = where(state.address, stride);
        if (returnsStates) {
          events.push({ step: next(), kind: 'return', thread, ...place, address: state.address });
          allocator.free(state);
        } else {
          events.push({ step: next(), kind: 'keep', thread, ...place, address: state.address });
        }
      }
      return { events, chunks };
    },
  };
}

const hex = (address: bigint) => `0x${address.toString(16)}`;
const place = (event: { chunk: number; page: number; slot: number }) => `chunk ${event.chunk} page ${event.page} slot ${event.slot}`;

/** One line an event, numbered in the order they happened. */
export function describeEvent(event: TraceEvent, keepReason: string): string {
  switch (event.kind) {
    case 'start':
      return `t${event.thread} starts`;
    case 'map':
      return `  refill: mmap ${event.bytes} B (${event.pages} page${event.pages === 1 ? '' : 's'}) -> chunk ${event.chunk} at ${hex(event.address)}`;
    case 'take':
      return `  t${event.thread} takes ${place(event)} (${hex(event.address)})`;
    case 'exit':
      return `t${event.thread} exits`;
    case 'return':
      return `  its state goes back to the free list: ${place(event)}; the next thread to start takes it first`;
    case 'keep':
      return `  its state stays taken (${keepReason}): ${place(event)}`;
    case 'unmap':
      return `  munmap chunk ${event.chunk} (${event.bytes} B at ${hex(event.address)}): every state in it is free`;
    case 'refused':
      return `  t${event.thread} gets no state: ${event.reason}`;
  }
}

export const LEGEND = [
  'tN     thread N, numbered in the order threads start',
  '#      a slot whose state a running (or, where states are never returned, an ended) thread holds',
  '.      a free slot',
  'x      a slot whose chunk was unmapped',
  '│      the edges of a page; slots are drawn in address order inside it',
  'steps  numbered in the order they happen; indented lines are what the step caused',
];

/** Pages, by chunk in mapping order and then by address, with each slot's final state. */
export function drawPages(trace: Trace, pageSize: number, stride: number): { mappingOrder: string[]; addressOrder: string[] } {
  const statesPerPage = Math.floor(pageSize / stride);
  const used = new Set<string>();
  for (const event of trace.events) {
    if (event.kind === 'take') used.add(`${event.chunk}:${event.page}:${event.slot}`);
    if (event.kind === 'return') used.delete(`${event.chunk}:${event.page}:${event.slot}`);
  }
  const rows = trace.chunks.flatMap((chunk) =>
    Array.from({ length: chunk.region.byteLength / pageSize }, (_, page) => {
      const slots = Array.from({ length: statesPerPage }, (_unused, slot) =>
        chunk.unmappedAt !== undefined ? 'x' : used.has(`${chunk.number}:${page}:${slot}`) ? style.green('#') : style.dim('.'),
      ).join('');
      const address = chunk.region.address + BigInt(page * pageSize);
      const label = `chunk ${chunk.number} page ${page}, mapped at step ${chunk.mappedAt}${chunk.unmappedAt === undefined ? '' : `, unmapped at step ${chunk.unmappedAt}`}`;
      return { address, line: `  ${hex(address)} │${slots}│  ${style.dim(label)}` };
    }),
  );
  return {
    mappingOrder: rows.map((row) => row.line),
    addressOrder: [...rows].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0)).map((row) => row.line),
  };
}

// `vgetrandom slab --trace`: every event of a scenario in the order it happens (a thread
// starts, a refill maps pages, a thread takes a slot, a thread exits and its state goes back
// or stays taken, an empty chunk is unmapped), then the pages in the order they were mapped
// and in address order. The scenario is a list of steps: `+N` starts N threads (each takes a
// state), `-N` ends the N oldest threads still running, `-tK` ends thread K.
import type { MapResult, PageSource, Region, SlabAllocator, StateHandle } from '@vgetrandom/slab';
import { UsageError, style } from './terminal.js';

export type ScenarioStep = { readonly start: number } | { readonly end: number } | { readonly endThread: number };

/** Parses `+3,-1,+2,-t2`. Counts are positive integers. */
export function parseScenario(text: string): ScenarioStep[] {
  const steps = text.split(',').map((part) => part.trim());
  return steps.map((part) => {
    const match = /^(?:\+(\d+)|-(\d+)|-t(\d+))$/.exec(part);
    const count = match ? Number(match[1] ?? match[2] ?? match[3]) : Number.NaN;
    if (!match || !Number.isSafeInteger(count) || count < 1) {
      throw new UsageError(`--scenario: '${part}' is not a step; use +N (N threads start), -N (the N oldest running threads end) or -tK (thread K ends), separated by commas`);
    }
    if (match[1] !== undefined) return { start: count };
    if (match[2] !== undefined) return { end: count };
    return { endThread: count };
  });
}

/** Threads a scenario starts in all. */
export function startsIn(steps: readonly ScenarioStep[]): number {
  return steps.reduce((sum, step) => sum + ('start' in step ? step.start : 0), 0);
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
      const running: Array<{ thread: number; state: StateHandle }> = [];
      let threads = 0;
      const end = (index: number) => {
        const [{ thread, state }] = running.splice(index, 1) as [{ thread: number; state: StateHandle }];
        events.push({ step: next(), kind: 'exit', thread });
        const place = where(state.address, stride);
        if (returnsStates) {
          events.push({ step: next(), kind: 'return', thread, ...place, address: state.address });
          allocator.free(state);
        } else {
          events.push({ step: next(), kind: 'keep', thread, ...place, address: state.address });
        }
      };
      for (const step of steps) {
        if ('start' in step) {
          for (let index = 0; index < step.start; index += 1) {
            threads += 1;
            events.push({ step: next(), kind: 'start', thread: threads });
            const state = allocator.allocate();
            if (state === null) {
              events.push({ step: next(), kind: 'refused', thread: threads, reason: allocator.stats().lastMapFailure ?? 'no state' });
              continue;
            }
            running.push({ thread: threads, state });
            events.push({ step: next(), kind: 'take', thread: threads, ...where(state.address, stride), address: state.address });
          }
        } else if ('end' in step) {
          if (step.end > running.length) throw new UsageError(`--scenario: -${step.end} ends more threads than the ${running.length} running`);
          for (let index = 0; index < step.end; index += 1) end(0);
        } else {
          const index = running.findIndex((entry) => entry.thread === step.endThread);
          if (index < 0) throw new UsageError(`--scenario: -t${step.endThread}: thread ${step.endThread} is not running then`);
          end(index);
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

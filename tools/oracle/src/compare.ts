// Runs a probe, runs the matching profile on a simulated page source through the same
// steps, and compares what each step leaves in the MAP_DROPPABLE pages.
//
// A page is drawn as one mark per slot of the profile's geometry: '#' when some nonzero
// 16-byte granule lies inside [slot × stride, slot × stride + size), '.' otherwise; granules
// outside every slot are counted as stray. Pages are compared as a sorted list per step, so
// the order in which the kernel placed the mappings (top-down) does not matter, but their
// number, which slots are used on each, and any state placed elsewhere do.
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { parseProbeSteps } from './schedule.js';
import { type Geometry, type ProfileName, type ProfileSettings, SimulatedPageSource, SlabAllocator, allocatorOptions, computeGeometry, profileSettings } from '@vgetrandom/slab';

export type Mode = 'together' | 'one-at-a-time';

/** Nonzero granule offsets of every droppable page, by page address, after one step. */
export type Snapshot = Map<bigint, number[]>;

/** What a probe printed: one snapshot a step (nonzero granules by page; schedule.ts reads the changed ones too). */
export function parseProbe(output: string, pageSize: number): Snapshot[] {
  return parseProbeSteps(output, pageSize).map((step) => new Map([...step.pages].map(([page, granules]) => [page, granules.used])));
}

/** The slot of the profile's geometry a granule offset lies in, or undefined between slots. */
export function slotOf(offset: number, geometry: Geometry): number | undefined {
  const slot = Math.floor(offset / geometry.stride);
  return slot < geometry.statesPerPage && offset - slot * geometry.stride < geometry.stateSize ? slot : undefined;
}

/** One page drawn in the profile's geometry. */
export function drawPage(granules: readonly number[], geometry: Geometry): string {
  const used = new Array<boolean>(geometry.statesPerPage).fill(false);
  let stray = 0;
  for (const offset of granules) {
    const slot = slotOf(offset, geometry);
    if (slot === undefined) stray += 1;
    else used[slot] = true;
  }
  return used.map((mark) => (mark ? '#' : '.')).join('') + (stray > 0 ? ` +${stray} stray` : '');
}

/** The profile's own snapshots through the same steps: main thread first, then `threads` more. */
export function simulate(settings: ProfileSettings, geometry: Geometry, threads: number, mode: Mode): Snapshot[] {
  const source = new SimulatedPageSource({ pageSize: geometry.pageSize });
  const slab = new SlabAllocator({ stateSize: geometry.stateSize, source, ...allocatorOptions(settings) });
  const held: bigint[] = [];
  const snapshot = (): Snapshot => {
    const pages: Snapshot = new Map();
    for (const region of source.liveMappings()) {
      for (let page = region.address; page < region.address + BigInt(region.byteLength); page += BigInt(geometry.pageSize)) pages.set(page, []);
    }
    for (const address of held) {
      const page = address - (address % BigInt(geometry.pageSize));
      const offset = Number(address - page);
      // Every granule of a used state but its first, which the vDSO zeroes after handing it out.
      for (let granule = offset + 16; granule < offset + geometry.stateSize; granule += 16) pages.get(page)!.push(granule);
    }
    return pages;
  };
  const take = () => held.push(slab.allocate()!.address);
  const steps: Snapshot[] = [];
  take();
  steps.push(snapshot());
  for (let thread = 0; thread < threads; thread += 1) {
    take();
    if (mode === 'one-at-a-time') steps.push(snapshot());
  }
  if (mode === 'together') steps.push(snapshot());
  return steps;
}

/** A step, drawn: the pages sorted, so that only what is used counts, not where the kernel put it. */
export function drawStep(snapshot: Snapshot, geometry: Geometry): string[] {
  return [...snapshot.values()].map((granules) => drawPage(granules, geometry)).sort();
}

export interface Comparison {
  readonly profile: ProfileName;
  readonly implementation: string;
  readonly threads: number;
  readonly mode: Mode;
  readonly steps: ReadonlyArray<{ readonly real: readonly string[]; readonly profile: readonly string[]; readonly same: boolean }>;
  readonly differences: number;
}

/** The facts of the host the probes run on, as the comparisons take them. */
export interface ProbeHost {
  readonly profile: ProfileName;
  readonly stateSize: number;
  readonly pageSize: number;
  readonly reportedCacheLine: number;
  readonly onlineCpus: number;
}

/** A profile's settings and geometry on the probes' host (x86_64: Go's amd64 line). */
export function profileOnHost(host: ProbeHost): { settings: ProfileSettings; geometry: Geometry } {
  const settings = profileSettings(host.profile, {
    reportedCacheLine: host.reportedCacheLine,
    onlineCpus: host.onlineCpus,
    affinityCpus: availableParallelism(),
    goarch: 'amd64',
    stateSize: host.stateSize,
  });
  return { settings, geometry: computeGeometry(host.stateSize, host.pageSize, settings.alignment) };
}

/** Runs `command` (a probe) for `threads` threads and compares it with `profile`. */
export function compare(options: {
  profile: ProfileName;
  implementation: string;
  command: readonly string[];
  threads: number;
  mode: Mode;
  stateSize: number;
  pageSize: number;
  reportedCacheLine: number;
  onlineCpus: number;
}): Comparison {
  const { settings, geometry } = profileOnHost(options);
  const output = execFileSync(options.command[0]!, [...options.command.slice(1), String(options.threads), options.mode], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const real = parseProbe(output, options.pageSize).map((step) => drawStep(step, geometry));
  const expected = simulate(settings, geometry, options.threads, options.mode).map((step) => drawStep(step, geometry));
  const count = Math.max(real.length, expected.length);
  const steps = Array.from({ length: count }, (_, index) => {
    const a = real[index] ?? [];
    const b = expected[index] ?? [];
    return { real: a, profile: b, same: a.length === b.length && a.every((page, at) => page === b[at]) };
  });
  return { profile: options.profile, implementation: options.implementation, threads: options.threads, mode: options.mode, steps, differences: steps.filter((step) => !step.same).length };
}

/** The side-by-side picture of a comparison, every step; a differing step is marked. */
export function render(comparison: Comparison): string[] {
  const lines = [`${comparison.implementation} vs profile ${comparison.profile}, main thread + ${comparison.threads} threads, ${comparison.mode}: ${comparison.differences === 0 ? 'no difference' : `${comparison.differences} step(s) differ`}`];
  for (const [index, step] of comparison.steps.entries()) {
    lines.push(`  step ${index}${step.same ? '' : '  <- differs'}`);
    const rows = Math.max(step.real.length, step.profile.length);
    const width = Math.max(4, ...step.real.map((page) => page.length));
    lines.push(`    ${'real'.padEnd(width + 2)}   profile`);
    for (let row = 0; row < rows; row += 1) lines.push(`    │${(step.real[row] ?? '').padEnd(width)}│   │${step.profile[row] ?? ''}│`);
  }
  return lines;
}

// Threads that start and end: a scenario run on the real library (a probe's `scenario` mode)
// and on the profile, compared after every event.
//
// A returned state keeps its bytes, so the pages alone cannot say which state a new thread
// took. The probes therefore also print the granules each step changed: a thread's one call
// changes its own state and nothing else in the droppable pages. Each step is compared on
//   - the pages, named p1, p2, ... in the order they first appeared (by address within one
//     step), so that where the kernel put them does not matter but when they came does;
//   - the slot each page's changed granules fall in ('*'), and every slot ever used ('#');
//   - granules outside every slot (stray), which a right profile never has.
import { execFileSync } from 'node:child_process';
import { type Geometry, type ProfileName, type ProfileSettings, SimulatedPageSource, SlabAllocator, type StateHandle, type ThreadEvent, allocatorOptions } from '@vgetrandom/slab';
import { profileOnHost, slotOf } from './compare.js';

/** One step as a probe printed it: every droppable page, its nonzero and its changed granule offsets. */
export interface ProbeStep {
  readonly pages: Map<bigint, { used: number[]; changed: number[] }>;
}

/** Parses a probe's output in any mode; `changed` lines are what the scenario comparison needs. */
export function parseProbeSteps(output: string, pageSize: number): ProbeStep[] {
  const steps: ProbeStep[] = [];
  for (const line of output.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields[0] !== 'step') continue;
    const step = (steps[Number(fields[1])] ??= { pages: new Map() });
    const page = (address: bigint) => step.pages.get(address) ?? step.pages.set(address, { used: [], changed: [] }).get(address)!;
    if (fields[2] === 'vma' && fields[5] === 'dp') {
      for (let at = BigInt(`0x${fields[3]}`); at < BigInt(`0x${fields[4]}`); at += BigInt(pageSize)) page(at);
    } else if (fields[2] === 'used' || fields[2] === 'changed') {
      const start = BigInt(`0x${fields[3]}`);
      for (const text of fields.slice(4)) {
        const offset = Number(text);
        page(start + BigInt(offset - (offset % pageSize)))[fields[2]].push(offset % pageSize);
      }
    }
  }
  return steps.filter((step) => step !== undefined);
}

/** A step in the comparison's terms: pages by name, each drawn one mark a slot. */
export interface StepView {
  /** `p1 ..##*.` per page, in name order. */
  readonly pages: string[];
  /** Granules outside every slot. */
  readonly stray: number;
}

/** Names pages by first appearance and draws them: '*' a slot changed in this step, '#' a slot ever used, '.' never. */
function viewSteps(steps: ReadonlyArray<ReadonlyMap<bigint, { used: Iterable<number>; changed: Iterable<number> }>>, geometry: Geometry): StepView[] {
  const names = new Map<bigint, string>();
  return steps.map((pages) => {
    for (const address of [...pages.keys()].filter((address) => !names.has(address)).sort((a, b) => (a < b ? -1 : 1))) names.set(address, `p${names.size + 1}`);
    let stray = 0;
    const slotIn = (offset: number): number | undefined => {
      const slot = slotOf(offset, geometry);
      if (slot === undefined) stray += 1;
      return slot;
    };
    const drawn = [...pages].map(([address, { used, changed }]) => {
      const marks = new Array<string>(geometry.statesPerPage).fill('.');
      for (const offset of used) {
        const slot = slotIn(offset);
        if (slot !== undefined) marks[slot] = '#';
      }
      for (const offset of changed) {
        const slot = slotIn(offset);
        if (slot !== undefined) marks[slot] = '*';
      }
      return { name: names.get(address)!, line: `${names.get(address)!.padEnd(4)}${marks.join('')}` };
    });
    drawn.sort((a, b) => Number(a.name.slice(1)) - Number(b.name.slice(1)));
    return { pages: drawn.map((entry) => entry.line), stray };
  });
}

/** The real library's steps, from a probe's output. */
export function realSteps(output: string, geometry: Geometry): StepView[] {
  return viewSteps(
    parseProbeSteps(output, geometry.pageSize).map((step) => step.pages),
    geometry,
  );
}

/** The profile's steps through the same events: the main thread takes a state, then each event. */
export function profileSteps(settings: ProfileSettings, geometry: Geometry, events: readonly ThreadEvent[]): StepView[] {
  const source = new SimulatedPageSource({ pageSize: geometry.pageSize });
  const slab = new SlabAllocator({ stateSize: geometry.stateSize, source, ...allocatorOptions(settings) });
  const held = new Map<number, StateHandle>();
  const everUsed = new Set<bigint>();
  const steps: Array<Map<bigint, { used: number[]; changed: number[] }>> = [];
  const snapshot = (touched: bigint | undefined) => {
    const pages = new Map<bigint, { used: number[]; changed: number[] }>();
    for (const region of source.liveMappings()) {
      for (let page = region.address; page < region.address + BigInt(region.byteLength); page += BigInt(geometry.pageSize)) pages.set(page, { used: [], changed: [] });
    }
    const mark = (address: bigint, field: 'used' | 'changed') => {
      const page = address - (address % BigInt(geometry.pageSize));
      pages.get(page)![field].push(Number(address - page));
    };
    for (const address of everUsed) mark(address, 'used');
    if (touched !== undefined) mark(touched, 'changed');
    steps.push(pages);
  };
  const take = (thread: number) => {
    const state = slab.allocate();
    if (state === null) throw new Error(`the profile ${settings.summary} refused a state to thread ${thread}`);
    held.set(thread, state);
    everUsed.add(state.address);
    return state.address;
  };
  snapshot(take(0));
  for (const event of events) {
    if (event.kind === 'start') {
      snapshot(take(event.thread));
      continue;
    }
    const state = held.get(event.thread)!;
    held.delete(event.thread);
    if (settings.returnsStates) slab.free(state);
    snapshot(undefined);
  }
  return viewSteps(steps, geometry);
}

export interface ScenarioComparison {
  readonly profile: ProfileName;
  readonly implementation: string;
  /** The scenario as text (`+N` and `-tK` steps): what `--scenario` takes to replay it. */
  readonly scenario: string;
  readonly seed?: number;
  readonly steps: ReadonlyArray<{ readonly event: string; readonly real: StepView; readonly profile: StepView; readonly same: boolean }>;
  readonly differences: number;
}

const sameView = (a: StepView, b: StepView) => a.stray === b.stray && a.pages.length === b.pages.length && a.pages.every((page, index) => page === b.pages[index]);

/** Runs `events` on the probe (`command scenario ...`) and on `profile`, and compares every step. */
export function compareScenario(options: {
  profile: ProfileName;
  implementation: string;
  command: readonly string[];
  events: readonly ThreadEvent[];
  scenario: string;
  seed?: number;
  stateSize: number;
  pageSize: number;
  reportedCacheLine: number;
  onlineCpus: number;
}): ScenarioComparison {
  const { settings, geometry } = profileOnHost(options);
  const argument = options.events.map((event) => (event.kind === 'start' ? '+' : `-${event.thread}`)).join(',');
  const output = execFileSync(options.command[0]!, [...options.command.slice(1), 'scenario', argument], { encoding: 'utf8', maxBuffer: 256 << 20 });
  const real = realSteps(output, geometry);
  const expected = profileSteps(settings, geometry, options.events);
  const labels = ['main thread calls', ...options.events.map((event) => (event.kind === 'start' ? `t${event.thread} starts and calls` : `t${event.thread} ends`))];
  const count = Math.max(real.length, expected.length);
  const none: StepView = { pages: [], stray: 0 };
  const steps = Array.from({ length: count }, (_, index) => {
    const a = real[index] ?? none;
    const b = expected[index] ?? none;
    return { event: labels[index] ?? '(no event)', real: a, profile: b, same: real[index] !== undefined && expected[index] !== undefined && sameView(a, b) };
  });
  return {
    profile: options.profile,
    implementation: options.implementation,
    scenario: options.scenario,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    steps,
    differences: steps.filter((step) => !step.same).length,
  };
}

/** Every step of a scenario, real beside profile; a differing step is marked. */
export function renderScenario(comparison: ScenarioComparison): string[] {
  const seed = comparison.seed === undefined ? '' : ` (seed ${comparison.seed})`;
  const lines = [
    `${comparison.implementation} vs profile ${comparison.profile}, scenario ${comparison.scenario}${seed}: ${comparison.differences === 0 ? 'no difference' : `${comparison.differences} step(s) differ`}`,
    '  * the slot this step\'s call changed   # a slot used before   . never used   pN pages in the order they appeared',
  ];
  comparison.steps.forEach((step, index) => {
    lines.push(`  step ${index}: ${step.event}${step.same ? '' : '  <- differs'}`);
    const rows = Math.max(step.real.pages.length, step.profile.pages.length);
    const width = Math.max(4, ...step.real.pages.map((page) => page.length), ...step.profile.pages.map((page) => page.length));
    lines.push(`    ${'real'.padEnd(width + 2)}   profile`);
    for (let row = 0; row < rows; row += 1) lines.push(`    │${(step.real.pages[row] ?? '').padEnd(width)}│   │${(step.profile.pages[row] ?? '').padEnd(width)}│`);
    if (step.real.stray + step.profile.stray > 0) lines.push(`    stray granules: real ${step.real.stray}, profile ${step.profile.stray}`);
  });
  return lines;
}

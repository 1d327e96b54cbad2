// `vgetrandom slab --trace`: the order of events for each profile and scenario, as users run it.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/vgetrandom.cjs', import.meta.url));
const linux = process.platform === 'linux';

function run(args: string[]) {
  const result = spawnSync(process.execPath, [bin, 'slab', '--trace', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 << 20 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

type Event = { step: number; kind: string; thread?: number; chunk?: number; page?: number; slot?: number; address?: string; pages?: number };
function events(args: string[]): Event[] {
  const result = run([...args, '--json']);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return (JSON.parse(result.stdout) as { events: Event[] }).events;
}
const takenBy = (list: Event[], thread: number) => list.find((event) => event.kind === 'take' && event.thread === thread)!;
const slotOf = (event: Event) => `${event.chunk}:${event.page}:${event.slot}`;

describe.skipIf(!linux)('slab --trace (needs Linux)', () => {
  it('glibc 2.41: a one-page refill at the first start, highest slot first, a second refill at the 22nd, and a returned state taken first', () => {
    const list = events(['--profile', 'glibc-2.41', '--simulated', '--page-size', '4096', '--scenario', '+22,-1,+1']);
    // Steps are numbered 1..n in order.
    expect(list.map((event) => event.step)).toEqual(list.map((_event, index) => index + 1));
    expect(list.slice(0, 3).map((event) => event.kind)).toEqual(['start', 'map', 'take']);
    expect(list[1]).toMatchObject({ kind: 'map', chunk: 1, pages: 1 });
    expect(takenBy(list, 1)).toMatchObject({ chunk: 1, page: 0, slot: 20 });
    const maps = list.filter((event) => event.kind === 'map');
    expect(maps).toHaveLength(2);
    // The second refill happens as thread 22 starts, before it takes its slot.
    const start22 = list.findIndex((event) => event.kind === 'start' && event.thread === 22);
    expect(list[start22 + 1]).toMatchObject({ kind: 'map', chunk: 2 });
    const exit = list.findIndex((event) => event.kind === 'exit');
    expect(list[exit]).toMatchObject({ thread: 1 });
    expect(list[exit + 1]).toMatchObject({ kind: 'return', thread: 1, slot: 20 });
    expect(slotOf(takenBy(list, 23))).toBe(slotOf(takenBy(list, 1)));
    for (const event of list) if (event.address !== undefined) expect(event.address).toMatch(/^0x[0-9a-f]+$/);
  });

  it('the 6.12 selftest keeps an ended thread\'s state; the 6.11 selftest puts it back', () => {
    const kept = events(['--profile', 'selftest', '--simulated', '--scenario', '+2,-1,+1']);
    expect(kept.find((event) => event.kind === 'exit')).toMatchObject({ thread: 1 });
    expect(kept.some((event) => event.kind === 'keep' && event.thread === 1)).toBe(true);
    expect(kept.some((event) => event.kind === 'return')).toBe(false);
    expect(slotOf(takenBy(kept, 3))).not.toBe(slotOf(takenBy(kept, 1)));
    const returned = events(['--profile', 'selftest-6.11', '--simulated', '--scenario', '+2,-1,+1']);
    expect(returned.some((event) => event.kind === 'return' && event.thread === 1)).toBe(true);
    expect(slotOf(takenBy(returned, 3))).toBe(slotOf(takenBy(returned, 1)));
    const text = run(['--profile', 'selftest', '--simulated', '--scenario', '+2,-1,+1']).stdout;
    expect(text).toContain('its state stays taken (the 6.12 selftest never returns a state)');
  });

  it('ours (adaptive): when every thread has ended, an empty chunk beyond the one it keeps is unmapped, and drawn as such', () => {
    const list = events(['--profile', 'adaptive', '--simulated', '--scenario', '+30,-30']);
    const unmaps = list.filter((event) => event.kind === 'unmap');
    expect(unmaps.length).toBeGreaterThanOrEqual(1);
    // Unmapped only after the last state in it came back.
    const lastReturn = Math.max(...list.filter((event) => event.kind === 'return' && event.chunk === unmaps[0]!.chunk).map((event) => event.step));
    expect(unmaps[0]!.step).toBeGreaterThan(lastReturn);
    const text = run(['--profile', 'adaptive', '--simulated', '--scenario', '+30,-30']).stdout;
    expect(text).toMatch(/munmap chunk \d+ \(\d+ B at 0x[0-9a-f]+\): every state in it is free/);
    expect(text).toMatch(/│x+│ .*unmapped at step \d+/);
  });

  it('the default scenario starts --states threads, ends the older half and starts as many again', () => {
    const list = events(['--profile', 'glibc-2.41', '--simulated', '--states', '6']);
    expect(list.filter((event) => event.kind === 'start')).toHaveLength(9);
    expect(list.filter((event) => event.kind === 'exit').map((event) => event.thread)).toEqual([1, 2, 3]);
  });

  it('pages are drawn in mapping order and in address order, and the legend explains every glyph drawn', () => {
    const { stdout, status } = run(['--profile', 'glibc-2.41', '--scenario', '+30,-5']);
    expect(status).toBe(0);
    const section = (title: string, next: string) => stdout.split(title)[1]!.split(next)[0]!.split('\n').map((line) => line.trim()).filter(Boolean);
    const mapping = section('pages in the order they were mapped', 'pages in address order');
    const byAddress = section('pages in address order', 'legend');
    expect(mapping).toHaveLength(2);
    expect([...byAddress].sort()).toEqual([...mapping].sort());
    const addresses = byAddress.map((line) => BigInt(line.split(' ')[0]!));
    expect(addresses).toEqual([...addresses].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(mapping.map((line) => Number(/mapped at step (\d+)/.exec(line)![1]))).toEqual([2, expect.any(Number)]);
    const legend = stdout.split('legend')[1]!;
    const drawn = new Set([...mapping.join('').matchAll(/│([^│]*)│/g)].flatMap((match) => [...match[1]!]));
    for (const glyph of [...drawn, '│']) expect(legend, glyph).toContain(`${glyph} `);
  });

  it.each([
    [['--scenario', '+2,x'], /'x' is not a step/],
    [['--scenario', '+1,-2'], /ends more threads than the 1 running/],
    [['--scenario', '+1,-t5'], /thread 5 is not running then/],
    [['--scenario', '+0'], /'\+0' is not a step/],
  ])('%j is a user error', (args, message) => {
    const result = run(['--profile', 'glibc-2.41', '--simulated', ...args]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('--scenario without --trace is a user error', () => {
    const result = spawnSync(process.execPath, [bin, 'slab', '--scenario', '+1'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--scenario applies to --trace/);
  });
});

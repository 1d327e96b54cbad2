// The explorer's model and page, without a browser: what each step shows for each profile,
// and a page that cannot be broken out of by its own data.
import { computeGeometry, parseScenario, threadEvents } from '@vgetrandom/slab';
import { describe, expect, it } from 'vitest';
import { type ExploreData, SOURCES, exploreModel } from '../src/explore-model.js';
import { explorePage } from '../src/explore-page.js';

const host = { reportedCacheLine: 64, onlineCpus: 2, affinityCpus: 2, goarch: 'amd64' };
const model = (scenario: string, profiles = ['glibc-2.41', 'go-1.24', 'selftest-6.11', 'selftest', 'adaptive'] as const) =>
  exploreModel({ scenario, events: threadEvents(parseScenario(scenario)), profiles: [...profiles], host, stateSize: 144, pageSize: 4096 });
const profile = (data: ExploreData, name: string) => data.profiles.find((entry) => entry.name === name)!;

describe('the explorer model', () => {
  it('has one step for the main thread and one a thread event, for every profile', () => {
    const data = model('+3,-t2,+2');
    for (const entry of data.profiles) expect(entry.steps.map((step) => step.label)).toEqual(['main thread calls', 't1 starts and calls', 't2 starts and calls', 't3 starts and calls', 't2 ends', 't4 starts and calls', 't5 starts and calls']);
  });

  it('glibc-2.41: the main thread takes the highest slot; a returned state heads the free list and is the next one taken', () => {
    const glibc = profile(model('+3,-t2,+1'), 'glibc-2.41');
    const geometry = computeGeometry(144, 4096, 64);
    expect(glibc.steps[0]!.touched).toBe(`1:0:${geometry.statesPerPage - 1}`);
    expect(glibc.steps[0]!.effects).toEqual([expect.stringMatching(/^refill: mmap 4096 B \(1 page\) -> chunk 1$/), expect.stringMatching(/^main thread takes chunk 1 page 0 slot 20/)]);
    const ended = glibc.steps[4]!;
    expect(ended.label).toBe('t2 ends');
    expect(ended.freeList[0]).toBe('c1p0s18');
    expect(ended.sources.map((source) => source.func)).toEqual(['__getrandom_vdso_release()']);
    expect(glibc.steps[5]!.touched).toBe('1:0:18');
    expect(glibc.steps[5]!.pages[0]!.owners[18]).toBe(4);
  });

  it('every step without a refill takes exactly the state its previous step listed first', () => {
    const data = model('+25,-t3,-t24,+3,-10,+12,-t26,+1');
    for (const entry of data.profiles) {
      entry.steps.forEach((step, index) => {
        if (index === 0 || !step.label.endsWith('starts and calls') || step.effects.some((line) => line.startsWith('refill'))) return;
        const [chunk, page, slot] = step.touched!.split(':');
        expect(`c${chunk}p${page}s${slot}`, `${entry.name} step ${index}`).toBe(entry.steps[index - 1]!.freeList[0]);
      });
    }
  });

  it('the 6.12 selftest keeps an ended thread\'s state: drawn as kept, never on the free list', () => {
    const selftest = profile(model('+2,-t1,+1'), 'selftest');
    const ended = selftest.steps[3]!;
    expect(ended.effects).toEqual([expect.stringMatching(/stays taken: never returned/)]);
    expect(ended.pages[0]!.slots).toMatch(/k/);
    expect(ended.freeList).not.toContain(`c1p0s${ended.touched!.split(':')[2]}`);
    expect(ended.sources.map((source) => source.version)).toEqual(['Linux 6.12']);
  });

  it('ours unmaps a chunk once its states are all free, and draws it unmapped', () => {
    const ours = profile(model('+70,-70'), 'adaptive');
    const last = ours.steps.at(-1)!;
    expect(ours.steps.some((step) => step.effects.some((line) => line.startsWith('munmap chunk')))).toBe(true);
    expect(last.pages.some((page) => /^u+$/.test(page.slots))).toBe(true);
    expect(ours.steps.flatMap((step) => step.sources).some((source) => source.func === 'SlabAllocator.freeSlot()')).toBe(true);
  });

  it("shows glibc's pointer array and Go's slice only for their profiles, with the free count as length", () => {
    const data = model('+22');
    const glibc = profile(data, 'glibc-2.41').steps.at(-1)!;
    expect(glibc.pointerArray).toEqual({ len: glibc.freeCount, cap: 512 });
    expect(profile(data, 'go-1.24').steps.at(-1)!.slice).toEqual({ len: profile(data, 'go-1.24').steps.at(-1)!.freeCount });
    for (const name of ['selftest-6.11', 'selftest', 'adaptive']) expect(profile(data, name).steps.at(-1)!).not.toHaveProperty('pointerArray');
  });

  it('names a source (file, function, version) for every kind of step each profile takes', () => {
    for (const [name, kinds] of Object.entries(SOURCES)) {
      expect(kinds.take, name).toBeDefined();
      expect(kinds.refill, name).toBeDefined();
      expect(kinds.return ?? kinds.keep, name).toBeDefined();
      for (const line of Object.values(kinds)) expect(line.file.length * line.func.length * line.version.length).toBeGreaterThan(0);
    }
  });
});

describe('the explorer page', () => {
  it('forbids every request in its Content Security Policy and carries its data inline', () => {
    const html = explorePage(model('+2'));
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
    expect(html).not.toMatch(/\b(?:src|href)=/);
    expect(html).toContain('<script type="application/json" id="explorer-data">');
  });

  it('cannot be broken out of by the data it embeds', () => {
    const data = model('+1');
    const hostile: ExploreData = { ...data, profiles: data.profiles.map((entry) => ({ ...entry, summary: '</script><script>globalThis.pwned = 1</script><!--' })) };
    const html = explorePage(hostile);
    expect(html).not.toContain('</script><script>globalThis.pwned');
    const embedded = /<script type="application\/json" id="explorer-data">([^<]*)<\/script>/.exec(html)![1]!;
    expect(JSON.parse(embedded)).toEqual(JSON.parse(JSON.stringify(hostile)));
  });
});

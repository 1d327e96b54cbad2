// On real MAP_DROPPABLE memory, with the kernel as the oracle: every state the allocator
// hands out must work in a real vDSO getrandom call (a straddling state gets -EFAULT).
import { discoverParams } from '@vgetrandom/params';
import { MADV_DONTNEED, MAP_ANONYMOUS, MAP_TYPE, PROT_READ, PROT_WRITE, madvise, readMemory, toAddress } from '@vgetrandom/sys';
import { describe, expect, it } from 'vitest';
import { SlabAllocator } from './allocator.js';
import type { Region } from './api.js';
import { MmapPageSource } from './mmap-source.js';

const discovery = process.platform === 'linux' ? discoverParams() : undefined;
const supported = discovery?.supported === true ? discovery : undefined;

describe.skipIf(!supported)('slab on real droppable memory (needs vDSO getrandom)', () => {
  const { params, vgetrandom } = supported!;
  const generate = (state: bigint, output: Uint8Array) =>
    Number(vgetrandom.call(output, output.length, 0, toAddress(state), params.sizeOfOpaqueState));

  it('every state from several chunks works in a real vgetrandom call', () => {
    const regions: Region[] = [];
    const source = new MmapPageSource(params);
    const slab = new SlabAllocator({ stateSize: params.sizeOfOpaqueState, source, hooks: { onMap: (region) => regions.push(region) } });
    const handles = Array.from({ length: 600 }, () => slab.allocate()!);
    expect(slab.stats().chunks).toBeGreaterThan(3);
    const output = new Uint8Array(48);
    const seen = new Set<string>();
    for (const handle of handles) {
      expect(generate(handle.address, output)).toBe(output.length);
      seen.add(Buffer.from(output).toString('hex'));
    }
    expect(seen.size).toBe(handles.length);

    // The kernel may drop these pages at any time; force it. Our metadata is elsewhere.
    const before = JSON.stringify(slab.stats());
    for (const region of regions) madvise(toAddress(region.address), region.byteLength, MADV_DONTNEED);
    expect(readMemory(toAddress(handles[0]!.address), params.sizeOfOpaqueState).every((byte) => byte === 0)).toBe(true);
    slab.checkInvariants();
    expect(JSON.stringify(slab.stats())).toBe(before);
    for (const handle of handles) {
      expect(generate(handle.address, output)).toBe(output.length);
      expect(seen.has(Buffer.from(output).toString('hex'))).toBe(false);
    }
    for (const handle of handles) slab.free(handle);
    slab.dispose();
  });

  it('the kernel refuses a state that straddles a page (-EFAULT): what the allocator prevents', () => {
    const source = new MmapPageSource(params);
    const mapped = source.map(2 * source.pageSize);
    if (!mapped.ok) throw new Error(mapped.reason);
    const straddling = mapped.region.address + BigInt(source.pageSize - 64);
    expect(generate(straddling, new Uint8Array(16))).toBe(-14);
    source.unmap(mapped.region);
  });

  it('an mmap the kernel refuses is a failure result, and allocate() returns null', () => {
    const source = new MmapPageSource({ mmapProt: PROT_READ | PROT_WRITE, mmapFlags: MAP_ANONYMOUS | MAP_TYPE });
    // The discovered params are the usual options; a misspelt or missing field is refused by name.
    expect(() => new MmapPageSource({ mmapProt: PROT_READ, mmapflags: 0 } as never)).toThrow(expect.objectContaining({ code: 'ERR_SLAB_INVALID_OPTION', message: expect.stringMatching(/^options\.mmapFlags is missing/) }));
    expect(() => new MmapPageSource({ mmapProt: PROT_READ, mmapFlags: 0, nmae: 'x' } as never)).toThrow(expect.objectContaining({ code: 'ERR_SLAB_INVALID_OPTION', message: expect.stringMatching(/^options\.nmae is not an option/) }));
    expect(() => new MmapPageSource({ mmapProt: '3', mmapFlags: 0 } as never)).toThrow(expect.objectContaining({ message: "options.mmapProt must be a number (got '3')" }));
    expect(source.map(source.pageSize)).toEqual({ ok: false, reason: 'mmap-failed: EINVAL' });
    const slab = new SlabAllocator({ stateSize: params.sizeOfOpaqueState, source });
    expect(slab.allocate()).toBeNull();
    expect(slab.stats().lastMapFailure).toBe('mmap-failed: EINVAL');
  });

  it('takes its defaults from the host: page size, cache line, CPUs', () => {
    const source = new MmapPageSource(params);
    const slab = new SlabAllocator({ stateSize: params.sizeOfOpaqueState, source });
    expect(slab.geometry.pageSize).toBe(supported!.pageSize);
    expect(slab.geometry.alignment).toBe(source.cacheLineSize);
  });
});

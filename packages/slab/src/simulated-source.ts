// A page source with no native memory: page-aligned fake addresses, failure injection,
// and a record of live mappings for leak checks. Tests and the fuzzer run on it.
import { checkFields } from './options.js';
import type { MapResult, PageSource, Region } from './api.js';
import { SlabError } from './errors.js';
import { isPowerOfTwo } from './geometry.js';

/** Options of SimulatedPageSource. */
export interface SimulatedPageSourceOptions {
  /** Default 4096. MUST be a power of 2. */
  readonly pageSize?: number;
  readonly cacheLineSize?: number;
  readonly cpus?: number;
  /** The first `failAfter` maps succeed, every later one fails. */
  readonly failAfter?: number;
  /** Called before each map with its 0-based number; return a reason to fail it. */
  readonly failWhen?: (mapNumber: number, byteLength: number) => string | undefined;
  /** Where the first mapping goes. Default 0x7f0000000000 (page-aligned). */
  readonly baseAddress?: bigint;
  /** Leave this many unmapped pages between mappings, so neighbours never touch. Default 1. */
  readonly guardPages?: number;
}

/**
 * Fake page-aligned memory for tests, study and fuzzing: nothing is mapped.
 * @throws SlabError ERR_SLAB_INVALID_OPTION (bad page size or base), ERR_SLAB_FOREIGN (unmap of a region it never mapped).
 */
export class SimulatedPageSource implements PageSource {
  readonly pageSize: number;
  readonly cacheLineSize: number;
  readonly cpus: number;
  /** Whether map() fails; tests may flip it. */
  failing = false;
  private readonly options: SimulatedPageSourceOptions;
  private readonly live = new Map<bigint, number>();
  private next: bigint;
  private mapCount = 0;
  private unmapCount = 0;

  constructor(options: SimulatedPageSourceOptions = {}) {
    checkFields(options, 'options', { required: [], optional: ['pageSize', 'cacheLineSize', 'cpus', 'failAfter', 'failWhen', 'baseAddress', 'guardPages'] });
    this.pageSize = options.pageSize ?? 4096;
    if (!isPowerOfTwo(this.pageSize)) throw new SlabError('ERR_SLAB_INVALID_OPTION', `pageSize must be a power of 2 (got ${this.pageSize})`);
    this.cacheLineSize = options.cacheLineSize ?? 64;
    this.cpus = options.cpus ?? 1;
    this.options = options;
    this.next = options.baseAddress ?? 0x7f00_0000_0000n;
    if (this.next % BigInt(this.pageSize) !== 0n) throw new SlabError('ERR_SLAB_INVALID_OPTION', 'baseAddress must be page-aligned');
  }

  map(byteLength: number): MapResult {
    const number = this.mapCount;
    this.mapCount += 1;
    if (this.failing) return { ok: false, reason: 'simulated failure' };
    if (this.options.failAfter !== undefined && number >= this.options.failAfter) {
      return { ok: false, reason: `simulated ENOMEM after ${this.options.failAfter} maps` };
    }
    const injected = this.options.failWhen?.(number, byteLength);
    if (injected !== undefined) return { ok: false, reason: injected };
    if (!Number.isSafeInteger(byteLength) || byteLength <= 0 || byteLength % this.pageSize !== 0) {
      return { ok: false, reason: `EINVAL: ${byteLength} is not a positive multiple of the page size` };
    }
    const address = this.next;
    this.next += BigInt(byteLength + (this.options.guardPages ?? 1) * this.pageSize);
    this.live.set(address, byteLength);
    return { ok: true, region: { address, byteLength } };
  }

  /** @throws SlabError ERR_SLAB_FOREIGN when the region is not exactly a live mapping. */
  unmap(region: Region): void {
    const length = this.live.get(region.address);
    if (length !== region.byteLength) {
      throw new SlabError(
        'ERR_SLAB_FOREIGN',
        `unmap of ${region.byteLength} bytes at 0x${region.address.toString(16)} matches no live simulated mapping`,
      );
    }
    this.live.delete(region.address);
    this.unmapCount += 1;
  }

  /** Live mappings, for leak checks. */
  liveMappings(): Region[] {
    return [...this.live].map(([address, byteLength]) => ({ address, byteLength }));
  }

  get mappedBytes(): number {
    let total = 0;
    for (const length of this.live.values()) total += length;
    return total;
  }

  get counts(): { maps: number; unmaps: number } {
    return { maps: this.mapCount, unmaps: this.unmapCount };
  }
}

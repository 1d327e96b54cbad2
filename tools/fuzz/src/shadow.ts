// A shadow record of every state, independent of the allocator's own bookkeeping (as
// AssemblyScript's rtrace keeps): it catches duplicate allocations, orphaned frees,
// overlaps, straddles and states in unmapped memory even when the allocator's
// checkInvariants() is fooled by the same bug.
import type { MapResult, PageSource, Region } from '@vgetrandom/slab';

export class ShadowViolation extends Error {
  override readonly name = 'ShadowViolation';
  constructor(
    message: string,
    readonly allocationSite?: string,
    readonly freeSite?: string,
  ) {
    super(message);
  }
}

interface Record {
  held: boolean;
  allocatedAt: number;
  freedAt: number | undefined;
}

export class ShadowRecord {
  private readonly records = new Map<number, Record>();
  /** Held addresses by floor(address / stateSize): overlaps are in this bucket or the next. */
  private readonly buckets = new Map<number, number[]>();
  private readonly livePages = new Set<number>();
  held = 0;

  constructor(
    readonly stateSize: number,
    readonly pageSize: number,
  ) {}

  mapped(address: number, byteLength: number): void {
    for (let page = address; page < address + byteLength; page += this.pageSize) this.livePages.add(page / this.pageSize);
  }

  unmapped(address: number, byteLength: number): void {
    for (let page = address; page < address + byteLength; page += this.pageSize) this.livePages.delete(page / this.pageSize);
  }

  allocated(address: number, operation: number): void {
    const known = this.records.get(address);
    if (known?.held) {
      throw new ShadowViolation(`duplicate allocation: 0x${address.toString(16)} handed out while still held`, `operation ${known.allocatedAt}`, known.freedAt === undefined ? undefined : `operation ${known.freedAt}`);
    }
    const offset = address % this.pageSize;
    if (offset + this.stateSize > this.pageSize) {
      throw new ShadowViolation(`straddle: the state at 0x${address.toString(16)} crosses a page boundary (offset ${offset} + ${this.stateSize} > ${this.pageSize})`, `operation ${operation}`);
    }
    if (!this.livePages.has(Math.floor(address / this.pageSize))) {
      throw new ShadowViolation(`state 0x${address.toString(16)} is in memory that is not mapped`, `operation ${operation}`, known?.freedAt === undefined ? undefined : `operation ${known.freedAt}`);
    }
    const bucket = Math.floor(address / this.stateSize);
    for (const neighbour of [bucket - 1, bucket, bucket + 1]) {
      for (const other of this.buckets.get(neighbour) ?? []) {
        if (Math.abs(other - address) < this.stateSize) {
          throw new ShadowViolation(`overlap: 0x${address.toString(16)} and 0x${other.toString(16)} are closer than a state`, `operation ${this.records.get(other)!.allocatedAt}`);
        }
      }
    }
    // The last free of this address stays on record: a later duplicate names it as the free site.
    this.records.set(address, { held: true, allocatedAt: operation, freedAt: known?.freedAt });
    const list = this.buckets.get(bucket);
    if (list) list.push(address);
    else this.buckets.set(bucket, [address]);
    this.held += 1;
  }

  /** The allocator accepted a free of `address`. */
  freed(address: number, operation: number): void {
    const known = this.records.get(address);
    if (!known?.held) {
      throw new ShadowViolation(
        `orphaned free: the allocator accepted 0x${address.toString(16)}, which is not held`,
        known ? `operation ${known.allocatedAt}` : undefined,
        known?.freedAt === undefined ? undefined : `operation ${known.freedAt}`,
      );
    }
    known.held = false;
    known.freedAt = operation;
    const bucket = this.buckets.get(Math.floor(address / this.stateSize))!;
    bucket.splice(bucket.indexOf(address), 1);
    this.held -= 1;
  }

  isHeld(address: number): boolean {
    return this.records.get(address)?.held === true;
  }
}

/** A page source that fails on demand and tells the shadow record about every mapping. */
export function watchedSource(source: PageSource, shadow: ShadowRecord, regions: Region[]): PageSource & { failing: boolean; mapCount: number } {
  const watched = {
    /** Maps and unmaps so far. */
    mapCount: 0,
    pageSize: source.pageSize,
    cacheLineSize: source.cacheLineSize,
    cpus: source.cpus,
    failing: false,
    map(byteLength: number): MapResult {
      if (watched.failing) return { ok: false, reason: 'fuzz: injected failure' };
      const result = source.map(byteLength);
      if (result.ok) {
        watched.mapCount += 1;
        shadow.mapped(Number(result.region.address), result.region.byteLength);
        regions.push(result.region);
      }
      return result;
    },
    unmap(region: Region): void {
      const index = regions.findIndex((entry) => entry.address === region.address && entry.byteLength === region.byteLength);
      if (index < 0) throw new ShadowViolation(`unmap of 0x${region.address.toString(16)} (${region.byteLength} B), which the page source never handed out as one region`);
      source.unmap(region);
      watched.mapCount += 1;
      shadow.unmapped(Number(region.address), region.byteLength);
      regions.splice(index, 1);
    },
  };
  return watched;
}

/** Removes and returns the entry a fuzz operation's `pick` names (the count-th of a burst), swapping the last one into its place. */
export function takePicked<T>(list: T[], pick: number, count: number): T {
  const index = (pick + count * 7919) % list.length;
  const entry = list[index]!;
  list[index] = list[list.length - 1]!;
  list.pop();
  return entry;
}

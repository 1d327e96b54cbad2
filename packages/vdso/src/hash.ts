// The two symbol hash functions an ELF dynamic section can carry.

/** The SysV ELF hash used by DT_HASH. */
export function elfHash(name: string): number {
  let hash = 0;
  for (let index = 0; index < name.length; index += 1) {
    hash = ((hash << 4) + (name.charCodeAt(index) & 0xff)) >>> 0;
    // The SysV text tests high for 0 first; an XOR with 0 changes nothing, so we do not.
    const high = hash & 0xf0000000;
    hash = ((hash ^ (high >>> 24)) & ~high) >>> 0;
  }
  return hash;
}

/** The GNU hash (DJB's h * 33 + c) used by DT_GNU_HASH. */
export function gnuHash(name: string): number {
  let hash = 5381;
  for (let index = 0; index < name.length; index += 1) {
    hash = (Math.imul(hash, 33) + (name.charCodeAt(index) & 0xff)) >>> 0;
  }
  return hash;
}

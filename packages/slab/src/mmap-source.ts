// The native page source: mmap with exactly the prot and flags the kernel asked for
// (MAP_DROPPABLE), nothing added: no MAP_LOCKED, no MAP_HUGETLB, no mlock.
import { checkFields, numberField } from './options.js';
import { SysError, cacheLineSize, mmap, munmap, nameMapping, onlineCpus, pageSize, toAddress } from '@vgetrandom/sys';
import type { MapResult, PageSource, Region } from './api.js';

/** The prot and flags the kernel asked for: the params from discoverParams() will do as they are. */
export interface MmapPageSourceOptions {
  /** `mmapProt` from the opaque params. */
  readonly mmapProt: number;
  /** `mmapFlags` from the opaque params. */
  readonly mmapFlags: number;
  /** The name /proc/<pid>/maps shows for the mappings (`[anon:<name>]`). Default `'vgetrandom: states'`. */
  readonly name?: string;
}

/**
 * Real memory: mmap with exactly the kernel's prot and flags (MAP_DROPPABLE).
 * A refused mmap is a `{ ok: false }` result, never an exception.
 * @throws SysError off Linux or without koffi (constructor).
 */
export class MmapPageSource implements PageSource {
  readonly pageSize: number;
  readonly cacheLineSize: number;
  readonly cpus: number;
  readonly mmapProt: number;
  readonly mmapFlags: number;
  readonly name: string;
  /** Why the last mapping could not be named (EINVAL: a kernel without CONFIG_ANON_VMA_NAME), if it could not. */
  lastNameFailure: string | undefined;

  /** @throws SysError off Linux or without koffi. */
  constructor(options: MmapPageSourceOptions) {
    // The params object from discovery is the usual argument: its other fields are known too.
    const fields = checkFields(options, 'options', { required: ['mmapProt', 'mmapFlags'], optional: ['name', 'sizeOfOpaqueState', 'reserved'] });
    for (const field of ['mmapProt', 'mmapFlags']) numberField(fields, 'options', field);
    this.mmapProt = options.mmapProt;
    this.mmapFlags = options.mmapFlags;
    this.name = options.name ?? 'vgetrandom: states';
    this.pageSize = pageSize();
    this.cacheLineSize = cacheLineSize();
    this.cpus = onlineCpus();
  }

  /**
   * A failed mmap is a result: `'mmap-denied: EPERM'` (a seccomp sandbox or policy said
   * no; EACCES likewise) or `'mmap-failed: ENOMEM'` / `'mmap-failed: EINVAL'` (old kernel).
   */
  map(byteLength: number): MapResult {
    try {
      const address = mmap(byteLength, this.mmapProt, this.mmapFlags);
      // As glibc 2.41 names its own when glibc.mem.decorate_maps=1 is set (__set_vma_name in
      // vgetrandom_get_state_alloc(), sysdeps/unix/sysv/linux/getrandom.c, gated in
      // setvmaname.c; unnamed by default); Go 1.24's vgetrandomGetState() never does. A
      // kernel that cannot (EINVAL) or a sandbox that refuses changes nothing else.
      const named = nameMapping(address, byteLength, this.name);
      this.lastNameFailure = named.named ? undefined : named.errno;
      return { ok: true, region: { address, byteLength } };
    } catch (error) {
      if (!(error instanceof SysError)) throw error;
      const denied = error.code === 'EPERM' || error.code === 'EACCES';
      return { ok: false, reason: `${denied ? 'mmap-denied' : 'mmap-failed'}: ${error.code}` };
    }
  }

  /** @throws SysError when munmap fails (a region this source did not map). */
  unmap(region: Region): void {
    munmap(toAddress(region.address), region.byteLength);
  }
}

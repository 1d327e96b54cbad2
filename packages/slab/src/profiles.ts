// Reference profiles: allocator settings that reproduce, state for state, how a real
// implementation lays out and hands out vgetrandom states. tools/oracle runs the real
// glibc 2.41 and Go 1.24 on this kernel and checks each profile against them.
//
//   profile        refill (states)                      stride                 first out  unmaps
//   glibc-2.41     one page: floor(page / stride)       size up to L1D line*   highest    never
//   go-1.24        ncpu × stride, rounded up to pages   size up to GOARCH line highest    never
//   selftest-6.11  online CPUs × size, up to pages      size (no padding)      highest    never
//   selftest       online CPUs × stride, up to pages    size up to L1D line†   highest    never
//   adaptive       1, 2, 4, ... pages                   size up to L1D line    lowest     keeps 1 empty
//
//   * the line from sysconf(_SC_LEVEL1_DCACHE_LINESIZE); when it reports 0 (or less), 1: no padding.
//   † the same line, but `?: 1` maps only 0: a reported -1 becomes SIZE_MAX as size_t, the mask
//     arithmetic then gives a stride of 0 and the selftest divides by zero, so the profile refuses.
//
// States come back at thread exit in glibc 2.41 (__getrandom_vdso_release, from the thread's
// exit path), Go 1.24 (vgetrandomDestroy(mp), from mexit; 1.24.3 and later) and the 6.11
// selftest (a pthread key whose destructor is vgetrandom_put_state); the 6.12 selftest keeps
// its state in a __thread variable and never returns it.
//
// Sources, each read at the version named:
//   glibc 2.41  sysdeps/unix/sysv/linux/getrandom.c: vgetrandom_get_state_alloc() maps one
//               page and fills grnd_alloc.states[0..num) in address order; vgetrandom_get_state()
//               takes states[--len]; __getrandom_vdso_release() puts states[len++]; nothing is
//               unmapped. The stride (state_size_cache_aligned) is set in
//               __getrandom_early_init() of the same file: ALIGN_UP(size, L1D line), the line
//               taken as 1 when sysconf reports 0 or less.
//   Go 1.24     src/runtime/vgetrandom_linux.go: vgetrandomGetState() maps
//               ncpu × stateSizeCacheAligned rounded up to physPageSize, appends the states in
//               address order and pops the end of the slice; vgetrandomDestroy(mp), called from
//               mexit() in src/runtime/proc.go, appends (read in Go 1.24.4; before 1.24.3 the
//               release was vgetrandomPutState()). Only linux/amd64, arm64, arm64be, ppc64,
//               ppc64le, loong64 and s390x build vgetrandom_linux.go; elsewhere
//               vgetrandom_unsupported.go reports it unsupported, so the profile refuses them.
//               cpu.CacheLineSize is CacheLinePadSize of src/internal/cpu/cpu_<arch>.go.
//               ncpu comes from the affinity mask (src/runtime/os_linux.go: getproccount()).
//   Linux 6.11  tools/testing/selftests/vDSO/vdso_test_getrandom.c: vgetrandom_get_state()
//               maps sysconf(_SC_NPROCESSORS_ONLN) × size_of_opaque_state, rounded up to pages,
//               and pops vgrnd.states[--vgrnd.len]; vgetrandom_init() creates a pthread key
//               with vgetrandom_put_state() as its destructor, so a thread's state is put back
//               when it exits. For 6.12, "selftests: vDSO: simplify getrandom thread local
//               storage and structs" moved the state to a __thread variable (put_state is
//               then never called), and "selftests: vDSO: align getrandom states to cache
//               line" rounds the size up to the L1D line first.
import { checkFields, numberField } from './options.js';
import type { GrowthPolicy, HandOutOrder, SlabOptions } from './api.js';
import { SlabError } from './errors.js';
import { isPowerOfTwo } from './geometry.js';

export type ProfileName = 'glibc-2.41' | 'go-1.24' | 'selftest-6.11' | 'selftest' | 'adaptive';

export const PROFILE_NAMES: readonly ProfileName[] = ['glibc-2.41', 'go-1.24', 'selftest-6.11', 'selftest', 'adaptive'];

/**
 * The GOARCHes on which Go 1.24 uses vDSO getrandom: the build constraint of
 * src/runtime/vgetrandom_linux.go (read in Go 1.24.4).
 */
export const GO_VDSO_GOARCHES: readonly string[] = ['amd64', 'arm64', 'arm64be', 'ppc64', 'ppc64le', 'loong64', 's390x'];

/** Go 1.24's cpu.CacheLinePadSize by GOARCH (src/internal/cpu/cpu_<arch>.go). */
export const GO_CACHE_LINE: Readonly<Record<string, number>> = {
  amd64: 64,
  386: 64,
  arm: 32,
  arm64: 128,
  arm64be: 128,
  loong64: 64,
  mips: 32,
  mipsle: 32,
  mips64: 32,
  mips64le: 32,
  ppc64: 128,
  ppc64le: 128,
  riscv64: 64,
  s390x: 256,
  wasm: 64,
};

/** Node's process.arch to GOARCH. */
export const GOARCH_OF_NODE: Readonly<Record<string, string>> = { x64: 'amd64', ia32: '386', arm: 'arm', arm64: 'arm64', loong64: 'loong64', ppc64: 'ppc64le', riscv64: 'riscv64', s390x: 's390x', mips: 'mips', mipsel: 'mipsle' };

/** What a profile needs to know about the host it imitates. */
export interface ProfileHost {
  /** sysconf(_SC_LEVEL1_DCACHE_LINESIZE) as reported: 0 or -1 where the system does not say. */
  readonly reportedCacheLine: number;
  /** sysconf(_SC_NPROCESSORS_ONLN): the selftest's refill. */
  readonly onlineCpus: number;
  /** CPUs in this thread's affinity mask: Go's ncpu. */
  readonly affinityCpus: number;
  /** GOARCH for go-1.24 (default amd64). */
  readonly goarch?: string;
  /** The state size, for the selftest's stride arithmetic (default 144, x86_64's). */
  readonly stateSize?: number;
}

/** The allocator settings of a profile, and what the profile does that an allocator does not. */
export interface ProfileSettings {
  readonly policy: GrowthPolicy;
  readonly alignment: number;
  readonly cpus: number;
  readonly order: HandOutOrder;
  readonly reclaim: false | { readonly keepEmpty: number };
  /** Whether a thread's state comes back when the thread ends (not in the 6.12 selftest). */
  readonly returnsStates: boolean;
  /** One line for a human. */
  readonly summary: string;
}

function lineOrOne(reported: number): number {
  // A line must be a power of two; sysconf reports 0 (or -1) where it does not know.
  return isPowerOfTwo(reported) ? reported : 1;
}

/**
 * The 6.12 selftest's line: `sysconf(_SC_LEVEL1_DCACHE_LINESIZE) ?: 1` as a size_t, and its
 * stride `(size + line - 1) & ~(line - 1)` in 64-bit arithmetic. Only 0 becomes 1. The
 * alignment that gives the same stride, or a SlabError where the selftest itself fails (a
 * stride of 0, which it divides by) or no power of two reproduces its stride.
 */
function selftestLine(reported: number, stateSize: number | undefined): number {
  const mask = (1n << 64n) - 1n;
  const line = reported === 0 ? 1n : BigInt(Math.trunc(reported)) & mask;
  const size = BigInt(stateSize ?? 144);
  const stride = (size + line - 1n) & mask & (~(line - 1n) & mask);
  if (stride === 0n) {
    throw new SlabError('ERR_SLAB_INVALID_OPTION', `with a reported cache line of ${reported} the 6.12 selftest computes a stride of 0 (its \`?: 1\` maps only 0) and divides by it; it cannot run here`);
  }
  for (let alignment = 1n; alignment <= 1n << 30n; alignment <<= 1n) {
    if (((size + alignment - 1n) & ~(alignment - 1n)) === stride) {
      // The smallest power of two that reproduces the stride; for a power-of-two line, the line.
      return isPowerOfTwo(reported) ? reported : Number(alignment);
    }
  }
  throw new SlabError('ERR_SLAB_INVALID_OPTION', `with a reported cache line of ${reported} the 6.12 selftest computes a stride of ${stride}, which no power-of-two alignment of a ${size}-byte state gives`);
}

/**
 * The settings that make a SlabAllocator behave as `name` does on `host`.
 * @throws SlabError ERR_SLAB_INVALID_OPTION for an unknown profile or GOARCH, and for a `host`
 *   with a missing field (reportedCacheLine, onlineCpus, affinityCpus), an unknown one, or a
 *   field of the wrong type: the error names the field.
 */
export function profileSettings(name: ProfileName, host: ProfileHost): ProfileSettings {
  const fields = checkFields(host, 'host', { required: ['reportedCacheLine', 'onlineCpus', 'affinityCpus'], optional: ['goarch', 'stateSize'] });
  for (const field of ['reportedCacheLine', 'onlineCpus', 'affinityCpus', 'stateSize']) numberField(fields, 'host', field);
  if (fields['goarch'] !== undefined && typeof fields['goarch'] !== 'string') throw new SlabError('ERR_SLAB_INVALID_OPTION', `host.goarch must be a GOARCH name such as 'amd64' (got ${String(fields['goarch'])})`);
  switch (name) {
    case 'glibc-2.41': {
      const alignment = lineOrOne(host.reportedCacheLine);
      return { policy: 'glibc', alignment, cpus: 1, order: 'highest-first', reclaim: false, returnsStates: true, summary: `glibc 2.41: one page a refill, stride = size up to ${alignment} B, highest slot first, never unmaps` };
    }
    case 'go-1.24': {
      const goarch = host.goarch ?? 'amd64';
      const alignment = GO_CACHE_LINE[goarch];
      if (alignment !== undefined && !GO_VDSO_GOARCHES.includes(goarch)) {
        throw new SlabError('ERR_SLAB_INVALID_OPTION', `Go 1.24 has no vDSO getrandom on GOARCH ${goarch}: src/runtime/vgetrandom_linux.go builds only for ${GO_VDSO_GOARCHES.join(', ')}, and elsewhere vgetrandom_unsupported.go reports it unsupported`);
      }
      if (alignment === undefined) throw new SlabError('ERR_SLAB_INVALID_OPTION', `no Go 1.24 cache line is known for GOARCH ${goarch}; one of ${Object.keys(GO_CACHE_LINE).join(', ')}`);
      return { policy: 'percpu', alignment, cpus: host.affinityCpus, order: 'highest-first', reclaim: false, returnsStates: true, summary: `Go 1.24 (${goarch}): ${host.affinityCpus} CPUs × stride a refill, line ${alignment} B, last state first, never unmaps` };
    }
    case 'selftest-6.11':
      return { policy: 'percpu', alignment: 1, cpus: host.onlineCpus, order: 'highest-first', reclaim: false, returnsStates: true, summary: `kernel selftest (6.11): ${host.onlineCpus} CPUs × raw size a refill, no padding, states returned at thread exit` };
    case 'selftest': {
      const alignment = selftestLine(host.reportedCacheLine, host.stateSize);
      return { policy: 'percpu', alignment, cpus: host.onlineCpus, order: 'highest-first', reclaim: false, returnsStates: false, summary: `kernel selftest (6.12+): ${host.onlineCpus} CPUs × stride a refill, line ${alignment} B, states never returned` };
    }
    case 'adaptive': {
      const alignment = isPowerOfTwo(host.reportedCacheLine) ? host.reportedCacheLine : 64;
      return { policy: 'adaptive', alignment, cpus: host.onlineCpus, order: 'lowest-first', reclaim: { keepEmpty: 1 }, returnsStates: true, summary: 'ours: 1, 2, 4, ... pages a refill, lowest slot first, keeps one empty chunk' };
    }
    default:
      throw new SlabError('ERR_SLAB_INVALID_OPTION', `unknown profile ${String(name)}; one of ${PROFILE_NAMES.join(', ')}`);
  }
}

/** The SlabAllocator options of a profile's settings (without the description). */
export function allocatorOptions(settings: ProfileSettings): Pick<SlabOptions, 'policy' | 'alignment' | 'cpus' | 'order' | 'reclaim'> {
  return { policy: settings.policy, alignment: settings.alignment, cpus: settings.cpus, order: settings.order, reclaim: settings.reclaim };
}

/**
 * glibc 2.41's pointer array after `refills` one-page refills of `statesPerPage` states: its
 * capacity (pointers) and mapped bytes. vgetrandom_get_state_alloc() maps a new array of
 * ALIGN_UP((total + per_page) × sizeof(void *), page) bytes when `total + per_page > cap`,
 * and unmaps the old one without copying (every state is held by a thread at a refill). The
 * capacity always covers every state, so returning one never allocates.
 */
export function glibcPointerArray(refills: number, statesPerPage: number, pageSize: number, pointerBytes = 8): { capacity: number; bytes: number } {
  let capacity = 0;
  let total = 0;
  for (let refill = 0; refill < refills; refill += 1) {
    if (total + statesPerPage > capacity) capacity = (Math.ceil(((total + statesPerPage) * pointerBytes) / pageSize) * pageSize) / pointerBytes;
    total += statesPerPage;
  }
  return { capacity, bytes: capacity * pointerBytes };
}

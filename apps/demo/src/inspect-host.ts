// What the lower layers see of this host, gathered once for info, symbols, params and the tour.
import os from 'node:os';
import { type ParamsDiscovery, describeMapFlags, describeProt, discoverParams } from '@vgetrandom/params';
import { computeGeometry } from '@vgetrandom/slab';
import { cacheLineSize, nativeAvailability } from '@vgetrandom/sys';
import { type LiveVdso, type VdsoSymbol, getrandomSymbolFor, locateVdso } from '@vgetrandom/vdso';

export interface HostReport {
  readonly platform: string;
  readonly arch: string;
  readonly kernel: string;
  readonly node: string;
  readonly native: { readonly available: boolean; readonly reason?: string };
  readonly vdso?: {
    readonly base: string;
    readonly length: number;
    readonly elfClass: number;
    readonly machine: string;
    readonly hashTable: string;
    readonly symbols: ReadonlyArray<{ name: string; version: string | null; bind: string; type: string; value: string; isGetrandom: boolean }>;
  };
  readonly getrandomSymbol?: { readonly name: string; readonly version: string; readonly since: string; readonly syscallOnly: boolean };
  readonly params?:
    | {
        readonly supported: true;
        readonly sizeOfOpaqueState: number;
        readonly mmapProt: number;
        readonly mmapProtNames: string;
        readonly mmapFlags: number;
        readonly mmapFlagNames: string;
        readonly pageSize: number;
        readonly cacheLineSize: number;
        readonly stride: number;
        readonly statesPerPage: number;
        readonly warnings: readonly string[];
      }
    | { readonly supported: false; readonly reason: string; readonly detail: string };
}

export function inspectHost(): HostReport {
  const base = { platform: process.platform, arch: process.arch, kernel: os.release(), node: process.version };
  const native = nativeAvailability();
  if (!native.available) return { ...base, native: { available: false, reason: native.reason } };
  const wanted = getrandomSymbolFor();
  let vdso: LiveVdso | undefined;
  try {
    vdso = locateVdso();
  } catch {
    vdso = undefined;
  }
  const discovery: ParamsDiscovery = discoverParams();
  return {
    ...base,
    native: { available: true },
    ...(vdso ? { vdso: describeVdso(vdso, wanted?.name) } : {}),
    ...(wanted ? { getrandomSymbol: wanted } : {}),
    params: discovery.supported
      ? (() => {
          const line = cacheLineSize();
          const geometry = computeGeometry(discovery.params.sizeOfOpaqueState, discovery.pageSize, line);
          return {
            supported: true as const,
            sizeOfOpaqueState: discovery.params.sizeOfOpaqueState,
            mmapProt: discovery.params.mmapProt,
            mmapProtNames: describeProt(discovery.params.mmapProt),
            mmapFlags: discovery.params.mmapFlags,
            mmapFlagNames: describeMapFlags(discovery.params.mmapFlags),
            pageSize: discovery.pageSize,
            cacheLineSize: line,
            stride: geometry.stride,
            statesPerPage: geometry.statesPerPage,
            warnings: discovery.warnings,
          };
        })()
      : { supported: false as const, reason: discovery.reason, detail: discovery.detail },
  };
}

function describeVdso(vdso: LiveVdso, getrandomName: string | undefined): NonNullable<HostReport['vdso']> {
  const { info } = vdso.image;
  let symbols: VdsoSymbol[] = [];
  try {
    // The vDSO's exported functions: what its lookup rule takes (symbols() lists every defined symbol).
    symbols = vdso.image.symbols().filter((symbol) => (symbol.type === 'func' || symbol.type === 'notype') && (symbol.bind === 'global' || symbol.bind === 'weak'));
  } catch {
    symbols = [];
  }
  return {
    base: `0x${vdso.base.toString(16)}`,
    length: vdso.length,
    elfClass: info.elfClass,
    machine: info.machineName,
    hashTable: info.hashTable,
    symbols: symbols.map((symbol) => ({
      name: symbol.name,
      version: symbol.version ?? null,
      bind: symbol.bind,
      type: symbol.type,
      value: `0x${symbol.value.toString(16)}`,
      isGetrandom: symbol.name === getrandomName || symbol.name === 'getrandom',
    })),
  };
}

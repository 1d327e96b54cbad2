// Where each architecture's vDSO exports getrandom, keyed by Node's process.arch.

export interface GetrandomSymbol {
  readonly name: string;
  readonly version: string;
  /** The first kernel release whose vDSO exports it on this architecture. */
  readonly since: string;
  /**
   * True where the function exists but cannot be used through a plain FFI call:
   * powerpc reports errors in the CR0.SO flag, which the caller cannot see.
   */
  readonly syscallOnly: boolean;
}

const table: Readonly<Record<string, GetrandomSymbol>> = {
  x64: { name: '__vdso_getrandom', version: 'LINUX_2.6', since: '6.11', syscallOnly: false },
  arm64: { name: '__kernel_getrandom', version: 'LINUX_2.6.39', since: '6.12', syscallOnly: false },
  ppc: { name: '__kernel_getrandom', version: 'LINUX_2.6.15', since: '6.12', syscallOnly: true },
  ppc64: { name: '__kernel_getrandom', version: 'LINUX_2.6.15', since: '6.12', syscallOnly: true },
  s390x: { name: '__kernel_getrandom', version: 'LINUX_2.6.29', since: '6.12', syscallOnly: false },
  loong64: { name: '__vdso_getrandom', version: 'LINUX_5.10', since: '6.12', syscallOnly: false },
  riscv64: { name: '__vdso_getrandom', version: 'LINUX_4.15', since: '6.16', syscallOnly: false },
};

/** The vDSO getrandom symbol for `arch` (a `process.arch` value), or undefined where there is none. */
export function getrandomSymbolFor(arch: string = process.arch): GetrandomSymbol | undefined {
  // Own entries only: 'constructor' or 'toString' must not find Object.prototype's.
  return Object.hasOwn(table, arch) ? table[arch] : undefined;
}

/** Every architecture in the table, for documentation and the demo. */
export function getrandomSymbolTable(): ReadonlyArray<readonly [arch: string, symbol: GetrandomSymbol]> {
  return Object.entries(table);
}

// The C limit: builds c/vgetrandom-bench.c with the system cc (when there is one) and
// runs it with the vDSO function's offset, found by our own parser.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { getrandomSymbolFor, locateVdso } from '@vgetrandom/vdso';

const source = fileURLToPath(new URL('../c/vgetrandom-bench.c', import.meta.url));
const binary = fileURLToPath(new URL('../bin/vgetrandom-bench', import.meta.url));

export type CLimit =
  | { readonly available: true; readonly rows: ReadonlyMap<number, { vdso: number; syscall: number }> }
  | { readonly available: false; readonly note: string };

export function measureCLimit(sizes: readonly number[], msPerSize: number): CLimit {
  const compiler = ['cc', 'gcc', 'clang'].find((name) => spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0);
  if (!compiler) return { available: false, note: 'no C compiler (cc) on this machine: the C rows are skipped' };
  const wanted = getrandomSymbolFor();
  let offset: number | undefined;
  try {
    offset = wanted ? locateVdso()?.image.lookup(wanted.name, wanted.version)?.offset : undefined;
  } catch {
    offset = undefined;
  }
  if (offset === undefined || wanted?.syscallOnly) return { available: false, note: 'no usable vDSO getrandom here: the C rows are skipped' };
  if (!existsSync(binary) || statSync(binary).mtimeMs < statSync(source).mtimeMs) {
    mkdirSync(fileURLToPath(new URL('../bin/', import.meta.url)), { recursive: true });
    execFileSync(compiler, ['-O2', '-o', binary, source]);
  }
  const output = execFileSync(binary, [String(offset), String(msPerSize), ...sizes.map(String)], { encoding: 'utf8' });
  const rows = new Map<number, { vdso: number; syscall: number }>();
  for (const line of output.trim().split('\n')) {
    const row = JSON.parse(line) as { size: number; vdso_ns: number; syscall_ns: number };
    rows.set(row.size, { vdso: row.vdso_ns, syscall: row.syscall_ns });
  }
  return { available: true, rows };
}

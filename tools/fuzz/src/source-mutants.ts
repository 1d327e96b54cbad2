// Planted bugs in the real sources: each one edit of one line of a pure core, the kind of
// slip a developer makes. A mutant is built on demand (esbuild bundles the package's
// src/ with the edit applied) and the targets run against it exactly as against the real
// package. The edit must match the source exactly once, so a refactor that makes a mutant
// stale fails loudly instead of silently testing nothing.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface SourceMutant {
  /** The package whose src/ is rebuilt with the edit. */
  readonly package: 'slab' | 'vdso' | 'getrandom';
  /** Path inside the package. */
  readonly file: string;
  readonly find: string;
  readonly replace: string;
  /** What the developer got wrong. */
  readonly mistake: string;
  /** The target that must catch it, and how it shows. */
  readonly target: 'slab' | 'elf' | 'interleave' | 'backends';
  readonly caughtAs: string;
}

export const sourceMutants = {
  'short-count-restarts': {
    package: 'getrandom',
    file: 'src/engine.ts',
    find: 'written = current.fill(bytes.subarray(done), length - done, flags);',
    replace: 'written = current.fill(bytes, length - done, flags);',
    mistake: 'after a short count the engine asks for the rest at the start of the buffer again, overwriting what it had: the output is still random-looking bytes',
    target: 'backends',
    caughtAs: 'the exact-bytes check: a byte of the view is not the one the fake wrote after its neighbour',
  },
  'eintr-surfaces': {
    package: 'getrandom',
    file: 'src/engine.ts',
    find: "if (errno === EINVAL) throw new GetrandomError('EINVAL', 'the kernel rejected the flags', { errno });",
    replace: "if (errno === EINVAL || errno === 4) throw new GetrandomError('EINVAL', 'the kernel rejected the flags', { errno });",
    mistake: 'an interrupted call (EINTR) is reported to the caller as rejected flags instead of being retried',
    target: 'backends',
    caughtAs: 'EINVAL with no EINVAL from any backend',
  },
  'elf-hash-sign-slip': {
    package: 'vdso',
    file: 'src/hash.ts',
    find: 'hash = ((hash ^ (high >>> 24)) & ~high) >>> 0;',
    replace: 'hash = ((hash ^ (high >> 24)) & ~high) >>> 0;',
    mistake: 'the SysV hash folds the top nibble back with a signed shift: only names whose hash reaches bit 31 differ, and none of the fixed names does',
    target: 'elf',
    caughtAs: 'elfHash differs from the reference definition; a long name in a DT_HASH-only image is not found',
  },
  'last-symbol-dropped': {
    package: 'vdso',
    file: 'src/parse.ts',
    find: 'for (let index = 1; index < this.info.symbolCount; index += 1) {',
    replace: 'for (let index = 1; index < this.info.symbolCount - 1; index += 1) {',
    mistake: 'symbols() stops one entry before the end of the dynamic symbol table',
    target: 'elf',
    caughtAs: 'a generated image whose last symbol is exported: symbols() does not list it',
  },
  'strtab-end-off-by-one': {
    package: 'vdso',
    file: 'src/parse.ts',
    find: 'strsz === undefined ? reader.length : Math.min(reader.length, this.strtab + Number(strsz));',
    replace: 'strsz === undefined ? reader.length : Math.min(reader.length, this.strtab + Number(strsz) - 1);',
    mistake: 'the end of the string table is taken as its last byte, not one past it',
    target: 'elf',
    caughtAs: 'a generated image whose last string is a symbol name: reading it fails',
  },
  'sysv-chain-unbounded': {
    package: 'vdso',
    file: 'src/parse.ts',
    find: 'if (index >= table.chainCount || steps >= table.chainCount) {',
    replace: 'if (index >= table.chainCount) {',
    mistake: 'a DT_HASH chain is followed until it ends, with no bound on its length',
    target: 'elf',
    caughtAs: 'a hang: an image whose chain loops back never returns',
  },
  'linker-ignores-visibility': {
    package: 'vdso',
    file: 'src/parse.ts',
    find: "if (!found || found.visibility === 'hidden' || found.visibility === 'internal') return undefined;",
    replace: 'if (!found) return undefined;',
    mistake: "the linker rule returns a hidden or internal symbol, which do_lookup_x() treats as local to its object",
    target: 'elf',
    caughtAs: 'a generated image with a hidden-visibility symbol: the linker-rule lookup() finds it',
  },
  'value-past-file-refused': {
    package: 'vdso',
    file: 'src/parse.ts',
    find: 'offset: isAddress ? this.fileOffset(value) : undefined,',
    replace: 'offset: isAddress ? this.toOffset(value, `symbol ${name}`, entry) : undefined,',
    mistake: "a symbol whose value lies past the file's bytes (in .bss, as `_end`) is refused as a bad address, as version 0.2 did",
    target: 'elf',
    caughtAs: 'a generated image with a symbol placed past the file: a well-formed image was refused',
  },
  'lagging-high-water': {
    package: 'slab',
    file: 'src/allocator.ts',
    find: 'const inUse = (header[H.inUse]! += 1);\n    if (inUse > header[H.highWater]!) header[H.highWater] = inUse;',
    replace: 'if (header[H.inUse]! > header[H.highWater]!) header[H.highWater] = header[H.inUse]!;\n    header[H.inUse]! += 1;',
    mistake: 'the high-water mark is updated before the count it follows',
    target: 'slab',
    caughtAs: 'stats().highWater one below the most states the shadow record ever saw held',
  },
  'page-index-fills-up': {
    package: 'slab',
    file: 'src/page-index.ts',
    find: 'if (pages * 2 <= store.pageKeys.length) return;\n  let capacity = store.pageKeys.length;\n  while (pages * 2 > capacity) capacity *= 2;',
    replace: 'if (pages <= store.pageKeys.length) return;\n  let capacity = store.pageKeys.length;\n  while (pages > capacity) capacity *= 2;',
    mistake: 'the open-addressing page index grows only when it is full, so no empty entry ends a probe',
    target: 'slab',
    caughtAs: 'a hang: freeing an address on an unknown page probes the full table forever',
  },
  'sweep-without-recheck': {
    package: 'slab',
    file: 'src/shared-pool.ts',
    find: 'if (this.store.ownerTid[slot] !== tid || this.store.ownerStart[slot] !== start || this.store.slotNext[slot] !== SLOT_OWNED) continue;',
    replace: 'if (this.store.slotNext[slot] !== SLOT_OWNED) continue;',
    mistake: "a sweep frees the slots it found dead without checking, under the lock, that the owner is still the dead thread it checked",
    target: 'interleave',
    caughtAs: 'a live thread whose state was freed (another sweeper reclaimed it and a live thread took it in between)',
  },
} as const satisfies Record<string, SourceMutant>;

export type SourceMutantName = keyof typeof sourceMutants;

export function isSourceMutantName(name: string): name is SourceMutantName {
  return Object.hasOwn(sourceMutants, name);
}

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root: tools/fuzz/src (tests) and tools/fuzz/dist sit at the same depth. */
const root = resolve(here, '../../..');
const cacheDirectory = join(root, 'tools', 'fuzz', '.mutants');
const loaded = new Map<SourceMutantName, Promise<unknown>>();

/**
 * The package of `name` with its edit applied: the same exports as `@vgetrandom/<package>`.
 * Other packages stay external, so only the planted line differs.
 * @throws Error when the edit no longer matches its file exactly once.
 */
export function loadSourceMutant<T>(name: SourceMutantName): Promise<T> {
  let pending = loaded.get(name);
  if (!pending) {
    pending = build(name);
    loaded.set(name, pending);
  }
  return pending as Promise<T>;
}

async function build(name: SourceMutantName): Promise<unknown> {
  const mutant: SourceMutant = sourceMutants[name];
  const packageRoot = join(root, 'packages', mutant.package);
  const target = join(packageRoot, mutant.file);
  if (!existsSync(target)) throw new Error(`the planted bug '${name}' rebuilds packages/${mutant.package}/src, which only a checkout of the vgetrandom repository has; an installed @vgetrandom/fuzz has the instance mutants (--mutant ${'double-push'} and others) and your own allocators`);
  const original = readFileSync(target, 'utf8');
  const matches = original.split(mutant.find).length - 1;
  if (matches !== 1) throw new Error(`mutant '${name}' is stale: its edit matches ${mutant.file} ${matches} times, not once`);
  const { build: bundle } = await import('esbuild');
  const result = await bundle({
    entryPoints: [join(packageRoot, 'src', 'index.ts')],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    external: ['koffi', '@vgetrandom/*'],
    plugins: [
      {
        name: 'plant-mutant',
        setup(context) {
          context.onLoad({ filter: /\.ts$/ }, (args) => (args.path === target ? { contents: original.replace(mutant.find, mutant.replace), loader: 'ts' } : undefined));
        },
      },
    ],
  });
  mkdirSync(cacheDirectory, { recursive: true });
  const file = join(cacheDirectory, `${name}-${process.pid}-${Date.now().toString(36)}.mjs`);
  writeFileSync(file, result.outputFiles[0]!.contents);
  return import(pathToFileURL(file).href);
}

// Real vDSO images of other architectures and kernels (tools/fuzz/corpus), with what
// readelf said of each: see corpus/make-corpus.mjs for where they come from.
import { existsSync, readFileSync } from 'node:fs';
import type { ReadelfSymbol } from '@vgetrandom/vdso/testing';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CorpusSymbol {
  readonly index: number;
  readonly name: string;
  readonly version: string | null;
  readonly hidden: boolean;
  /** st_value, hex. */
  readonly value: string;
  readonly size: number;
  /** readelf's words: FUNC, NOTYPE, OBJECT, SECTION; GLOBAL, WEAK, LOCAL; UND, ABS or a section number. */
  readonly type: string;
  readonly bind: string;
  readonly ndx: string;
}

export interface CorpusEntry {
  readonly file: string;
  readonly package: string;
  readonly pathInPackage: string;
  readonly originalSha256: string;
  readonly imageSha256: string;
  readonly class: string;
  readonly data: string;
  readonly machine: string;
  readonly extent: number;
  readonly gnuHash: boolean;
  readonly sysvHash: boolean;
  readonly symbolCount: number;
  readonly symbols: readonly CorpusSymbol[];
}

// From src/ (tests) and from dist/ alike, the package root is one level up.
export const corpusDirectory = join(dirname(fileURLToPath(import.meta.url)), '..', 'corpus');

export function corpusManifest(): readonly CorpusEntry[] {
  const path = join(corpusDirectory, 'manifest.json');
  if (!existsSync(path)) return [];
  return (JSON.parse(readFileSync(path, 'utf8')) as { images: CorpusEntry[] }).images;
}

export function corpusImages(): Array<CorpusEntry & { readonly bytes: Uint8Array }> {
  return corpusManifest().map((entry) => ({ ...entry, bytes: new Uint8Array(readFileSync(join(corpusDirectory, entry.file))) }));
}

/** The manifest's record of readelf's rows for an image, as the readelf differential reads them (no visibility: not recorded). */
export function readelfRows(entry: CorpusEntry): ReadelfSymbol[] {
  return entry.symbols.map((symbol) => ({
    index: symbol.index,
    name: symbol.name,
    version: symbol.version ?? undefined,
    hidden: symbol.hidden,
    value: BigInt(symbol.value),
    size: BigInt(symbol.size),
    type: symbol.type.toLowerCase(),
    bind: symbol.bind.toLowerCase(),
    section: symbol.ndx,
  }));
}

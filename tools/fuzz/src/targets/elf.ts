// The elf target: truncations and byte mutations of the live vDSO (or the captured one
// off Linux) and of synthetic images. Only a VdsoParseError or a sound result is allowed,
// within a time bound per input.
import fc from 'fast-check';
import { VdsoParseError, locateVdso, parseVdso } from '@vgetrandom/vdso';
import { buildSyntheticVdso } from '@vgetrandom/vdso/testing';
import type { Check } from '../runner.js';

export interface ElfCase {
  /** Base64 of the image before mutation, so a finding replays on any machine. */
  readonly image: string;
  readonly truncate: number | null;
  readonly mutations: ReadonlyArray<readonly [offset: number, value: number]>;
}

const NAMES = ['__vdso_getrandom', '__kernel_getrandom', '__vdso_clock_gettime', 'getrandom', 'time', 'absent'];
const TIME_BOUND_MS = 250;

export function baseImages(): Uint8Array[] {
  const images: Uint8Array[] = [];
  try {
    const live = locateVdso();
    if (live) images.push(live.bytes.slice());
  } catch {
    // Not Linux, or no native calls: the synthetic images still run.
  }
  images.push(
    buildSyntheticVdso({ symbols: NAMES.slice(0, 5).map((name) => ({ name, version: 'LINUX_2.6' })) }).bytes,
    buildSyntheticVdso({ elfClass: 32, littleEndian: false, hash: 'sysv', symbols: [{ name: 'getrandom' }, { name: 'time', bind: 'weak' }] }).bytes,
    buildSyntheticVdso({ littleEndian: false, hash: 'sysv', hashEntrySize: 8, bucketCount: 1, symbols: [{ name: '__kernel_getrandom', version: 'LINUX_2.6' }, { name: 'x', type: 'notype' }] }).bytes,
    buildSyntheticVdso({ hash: 'gnu', versions: [], bucketCount: 1, symbols: NAMES.map((name) => ({ name })) }).bytes,
  );
  return images;
}

export function elfArbitrary(images = baseImages()): fc.Arbitrary<ElfCase> {
  return fc.integer({ min: 0, max: images.length - 1 }).chain((which) => {
    const image = images[which]!;
    return fc.record({
      image: fc.constant(Buffer.from(image).toString('base64')),
      truncate: fc.option(fc.integer({ min: 0, max: image.length }), { nil: null, freq: 4 }),
      mutations: fc.array(
        fc.tuple(
          fc.integer({ min: 0, max: image.length - 1 }),
          fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0, 0xff, 0x7f, 0x80, 1)),
        ),
        { maxLength: 16 },
      ),
    });
  });
}

export function materialise(testCase: ElfCase): Uint8Array {
  const bytes = new Uint8Array(Buffer.from(testCase.image, 'base64'));
  for (const [offset, value] of testCase.mutations) if (offset < bytes.length) bytes[offset] = value;
  return testCase.truncate === null ? bytes : bytes.subarray(0, testCase.truncate);
}

export const checkElf: Check<ElfCase> = (testCase) => {
  const bytes = materialise(testCase);
  const started = performance.now();
  let operations = 1;
  try {
    const image = parseVdso(bytes);
    const listed = image.symbols();
    for (const symbol of listed) {
      operations += 1;
      if (symbol.offset < 0 || symbol.offset >= bytes.length) {
        return { ok: false, operations, message: `symbols() returned ${symbol.name} at offset ${symbol.offset}, outside the ${bytes.length}-byte image` };
      }
    }
    // Differential: symbols() walks the symbol table linearly, lookup() goes through the
    // hash table. On an image the fuzzer did not touch, every listed symbol must be found
    // by its name and version, at the same offset (a hash slip or a chain that stops one
    // short shows here even when the fixed names resolve).
    if (testCase.truncate === null && testCase.mutations.length === 0) {
      for (const symbol of listed) {
        operations += 1;
        const found = image.lookup(symbol.name, symbol.version);
        if (!found || found.offset !== symbol.offset) {
          return { ok: false, operations, message: `symbols() lists ${symbol.name}${symbol.version ? `@${symbol.version}` : ''} but lookup() ${found ? `returns offset ${found.offset}, not ${symbol.offset}` : 'does not find it'}` };
        }
      }
    }
    for (const name of NAMES) {
      operations += 1;
      const symbol = image.lookup(name);
      if (symbol && symbol.name !== name) return { ok: false, operations, message: `lookup('${name}') returned '${symbol.name}'` };
      if (symbol && !listed.some((entry) => entry.index === symbol.index)) return { ok: false, operations, message: `lookup('${name}') found symbol ${symbol.index}, which symbols() does not list` };
      if (symbol && (symbol.offset < 0 || symbol.offset >= bytes.length)) {
        return { ok: false, operations, message: `lookup('${name}') returned offset ${symbol.offset}, outside the image` };
      }
    }
  } catch (error) {
    if (!(error instanceof VdsoParseError)) {
      return { ok: false, operations, message: `threw ${(error as Error).name} instead of VdsoParseError: ${(error as Error).message}` };
    }
  }
  const elapsed = performance.now() - started;
  if (elapsed > TIME_BOUND_MS) return { ok: false, operations, message: `took ${elapsed.toFixed(0)} ms (bound ${TIME_BOUND_MS} ms): a hang or a quadratic walk` };
  return { ok: true, operations };
};

// Hostile input: truncations and byte mutations of a real vDSO and of synthetic images
// either parse (whatever the bytes now say) or throw VdsoParseError. Never another
// exception, never a hang, never an offset outside the image or a symbol under the wrong
// name, under either lookup rule.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VdsoParseError } from './errors.js';
import { parseVdso } from './parse.js';
import { buildSyntheticVdso } from './testing.js';

const liveCapture = new Uint8Array(readFileSync(new URL('./__fixtures__/vdso-x86_64-linux-6.18.so', import.meta.url)));
const names = ['__vdso_getrandom', '__vdso_clock_gettime', 'getrandom', 'time', '__kernel_getrandom', 'absent'];

const images: Array<[string, Uint8Array]> = [
  ['captured x86_64 vDSO', liveCapture],
  ['synthetic 64-bit LE', buildSyntheticVdso({ symbols: names.slice(0, 4).map((name) => ({ name, version: 'LINUX_2.6' })) }).bytes],
  ['synthetic 32-bit BE sysv', buildSyntheticVdso({ elfClass: 32, littleEndian: false, hash: 'sysv', symbols: [{ name: 'getrandom' }, { name: 'time' }] }).bytes],
  ['synthetic s390x', buildSyntheticVdso({ littleEndian: false, hash: 'sysv', hashEntrySize: 8, symbols: [{ name: '__kernel_getrandom', version: 'LINUX_2.6' }] }).bytes],
];

/** Parses, lists and looks up; returns normally or throws VdsoParseError only. */
function exercise(bytes: Uint8Array): void {
  try {
    const image = parseVdso(bytes);
    // A value outside the image is a value (offset undefined), never an offset outside it.
    const inImage = (offset: number | undefined) => offset === undefined || (offset >= 0 && offset < bytes.length);
    for (const symbol of image.symbols()) {
      expect(inImage(symbol.offset)).toBe(true);
      expect(symbol.section).not.toBe(0);
    }
    for (const name of names) {
      for (const rule of ['vdso', 'linker'] as const) {
        const symbol = image.lookup(name, undefined, { rule });
        if (symbol) {
          expect(symbol.name).toBe(name);
          expect(inImage(symbol.offset)).toBe(true);
          if (rule === 'vdso') expect(['func', 'notype']).toContain(symbol.type);
        }
      }
    }
  } catch (error) {
    if (!(error instanceof VdsoParseError)) throw error;
  }
  // No time limit here (a loaded machine hits any): the test watchdog fails a walk that hangs.
}

describe.each(images)('%s', (_label, original) => {
  it('parses as given', () => {
    expect(parseVdso(original).symbols().length).toBeGreaterThan(0);
  });

  it('survives every truncation length', () => {
    for (let length = 0; length <= original.length; length += length < 256 ? 1 : 7) {
      exercise(original.subarray(0, length));
    }
  });

  it('survives random byte mutations', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: original.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 12 }),
        (mutations) => {
          const bytes = original.slice();
          for (const [offset, value] of mutations) bytes[offset] = value;
          exercise(bytes);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('survives 32-bit words overwritten with extreme values', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: original.length - 4 }),
        fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, original.length, original.length - 1),
        (offset, value) => {
          const bytes = original.slice();
          new DataView(bytes.buffer).setUint32(offset & ~3, value >>> 0, true);
          exercise(bytes);
        },
      ),
      { numRuns: 1500 },
    );
  });
});

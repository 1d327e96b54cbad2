// RFC 9562 version 4 UUIDs as text, from bytes already drawn. Pure: no native call, no
// random byte kept. The callers (api.ts) draw the bytes and wipe them.
//
// A UUID is always returned as a flat one-byte string, never one concatenated from 20
// pieces: a rope costs more to build, to keep and to hash. Measured on this machine
// (tools/bench, Node 20):
//   one UUID    its 36 character codes passed to String.fromCharCode: about 60 ns, against
//               130 for writing ASCII bytes and decoding them with latin1Slice;
//   many UUIDs  ASCII written 4 bytes at a time, decoded 1 024 UUIDs at a time and sliced:
//               about a third less than writing byte by byte.

/** Characters in a UUID's text. */
export const UUID_LENGTH = 36;
/** Bytes a UUID is made of. */
export const UUID_BYTES = 16;

const DASH = 0x2d;
/** HEX_HIGH[b], HEX_LOW[b]: the two lower-case hex digits of byte b, as character codes. */
const HEX_HIGH = new Uint8Array(256);
const HEX_LOW = new Uint8Array(256);
/** Both digits of byte b in one 16-bit little-endian word: the first digit in the low byte. */
const HEX_PAIR = new Uint32Array(256);
for (let byte = 0; byte < 256; byte += 1) {
  const hex = byte.toString(16).padStart(2, '0');
  HEX_HIGH[byte] = hex.charCodeAt(0);
  HEX_LOW[byte] = hex.charCodeAt(1);
  HEX_PAIR[byte] = HEX_HIGH[byte]! | (HEX_LOW[byte]! << 8);
}

/** True where a Uint32Array stores its lowest byte first (x86-64, arm64, riscv64, ...). */
export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The version nibble (4) and the variant bits (10) over the raw bytes 6 and 8. */
const version = (byte: number) => (byte & 0x0f) | 0x40;
const variant = (byte: number) => (byte & 0x3f) | 0x80;

/** The UUID made of bytes[0..16), as one flat string. */
export function uuidOf(bytes: Uint8Array): string {
  const high = HEX_HIGH;
  const low = HEX_LOW;
  const b0 = bytes[0]!, b1 = bytes[1]!, b2 = bytes[2]!, b3 = bytes[3]!, b4 = bytes[4]!, b5 = bytes[5]!;
  const b6 = version(bytes[6]!);
  const b7 = bytes[7]!;
  const b8 = variant(bytes[8]!);
  const b9 = bytes[9]!, b10 = bytes[10]!, b11 = bytes[11]!, b12 = bytes[12]!, b13 = bytes[13]!, b14 = bytes[14]!, b15 = bytes[15]!;
  return String.fromCharCode(
    high[b0]!, low[b0]!, high[b1]!, low[b1]!, high[b2]!, low[b2]!, high[b3]!, low[b3]!, DASH,
    high[b4]!, low[b4]!, high[b5]!, low[b5]!, DASH,
    high[b6]!, low[b6]!, high[b7]!, low[b7]!, DASH,
    high[b8]!, low[b8]!, high[b9]!, low[b9]!, DASH,
    high[b10]!, low[b10]!, high[b11]!, low[b11]!, high[b12]!, low[b12]!, high[b13]!, low[b13]!, high[b14]!, low[b14]!, high[b15]!, low[b15]!,
  );
}

/** Where the two digits of each of the 16 bytes go in the text; the dashes fill the gaps. */
const TEXT_AT = Uint8Array.of(0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34);

/**
 * Writes the text of the UUID made of bytes[at..at+16) at out[to..to+36), a byte at a time:
 * the writer for big-endian hosts, where the word writer's layout does not hold.
 */
function writeBytes(bytes: Uint8Array, at: number, out: Uint8Array, to: number): void {
  for (let index = 0; index < UUID_BYTES; index += 1) {
    const raw = bytes[at + index]!;
    const byte = index === 6 ? version(raw) : index === 8 ? variant(raw) : raw;
    out[to + TEXT_AT[index]!] = HEX_HIGH[byte]!;
    out[to + TEXT_AT[index]! + 1] = HEX_LOW[byte]!;
  }
  out[to + 8] = DASH;
  out[to + 13] = DASH;
  out[to + 18] = DASH;
  out[to + 23] = DASH;
}

/**
 * Writes the text of the UUID made of bytes[at..at+16) as the 9 little-endian words
 * out[word..word+9), 4 characters each (36 = 9 × 4, so every UUID starts on a word):
 *
 *   word   0      1      2      3      4      5      6      7      8
 *   text   hhhh   hhhh   -hhh   h-hh   hh-h   hhh-   hhhh   hhhh   hhhh
 */
function writeWords(bytes: Uint8Array, at: number, out: Uint32Array, word: number): void {
  const pair = HEX_PAIR;
  const b5 = bytes[at + 5]!;
  const b6 = version(bytes[at + 6]!);
  const b8 = variant(bytes[at + 8]!);
  out[word] = pair[bytes[at]!]! | (pair[bytes[at + 1]!]! << 16);
  out[word + 1] = pair[bytes[at + 2]!]! | (pair[bytes[at + 3]!]! << 16);
  out[word + 2] = DASH | (pair[bytes[at + 4]!]! << 8) | (HEX_HIGH[b5]! << 24);
  out[word + 3] = HEX_LOW[b5]! | (DASH << 8) | (pair[b6]! << 16);
  out[word + 4] = pair[bytes[at + 7]!]! | (DASH << 16) | (HEX_HIGH[b8]! << 24);
  out[word + 5] = HEX_LOW[b8]! | (pair[bytes[at + 9]!]! << 8) | (DASH << 24);
  out[word + 6] = pair[bytes[at + 10]!]! | (pair[bytes[at + 11]!]! << 16);
  out[word + 7] = pair[bytes[at + 12]!]! | (pair[bytes[at + 13]!]! << 16);
  out[word + 8] = pair[bytes[at + 14]!]! | (pair[bytes[at + 15]!]! << 16);
}

// Buffer's own latin1 decoder, without toString's argument checks: the cheapest way from a
// long run of ASCII bytes to a flat string measured here. Node-internal, so it falls back to
// toString where it is missing.
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice?: (this: Buffer, start: number, end: number) => string }).latin1Slice;

/**
 * UUIDs decoded at once. A V8 string holds at most 2^29 − 24 characters, fewer than 2^24
 * UUIDs' text, and each UUID is a slice that keeps its whole decode alive: 1 024 of them
 * (36 KiB of text) bound both, and one decode per 1 024 costs nothing measurable.
 */
const UUIDS_PER_DECODE = 1024;

/** How uuidsOf writes; both for tests. */
export interface UuidsOptions {
  /** The 4-bytes-at-a-time writer (the default on little-endian hosts); false: a byte at a time. */
  readonly words?: boolean;
  /** The text buffer to write in (at least 36 bytes a UUID, up to 1 024 UUIDs); zeroed on return. */
  readonly text?: ArrayBuffer;
}

/**
 * The `count` UUIDs made of bytes[0..16 × count), decoded 1 024 at a time and sliced 36
 * characters apart. The text buffer is zeroed before returning, also when a step throws.
 */
export function uuidsOf(bytes: Uint8Array, count: number, options: UuidsOptions = {}): string[] {
  if (bytes.length < count * UUID_BYTES) throw new RangeError(`${count} UUIDs need ${count * UUID_BYTES} bytes, not ${bytes.length}`);
  const words = options.words ?? LITTLE_ENDIAN;
  const uuids = new Array<string>(count);
  const needed = Math.min(count, UUIDS_PER_DECODE) * UUID_LENGTH;
  if (options.text !== undefined && options.text.byteLength < needed) throw new RangeError(`the text buffer needs ${needed} bytes, not ${options.text.byteLength}`);
  const memory = options.text ?? new ArrayBuffer(needed);
  const text = Buffer.from(memory);
  const out = new Uint32Array(memory);
  try {
    for (let first = 0; first < count; first += UUIDS_PER_DECODE) {
      const batch = Math.min(UUIDS_PER_DECODE, count - first);
      for (let index = 0; index < batch; index += 1) {
        const at = (first + index) * UUID_BYTES;
        if (words) writeWords(bytes, at, out, index * (UUID_LENGTH / 4));
        else writeBytes(bytes, at, text, index * UUID_LENGTH);
      }
      const all = latin1Slice ? latin1Slice.call(text, 0, batch * UUID_LENGTH) : text.toString('latin1', 0, batch * UUID_LENGTH);
      for (let index = 0; index < batch; index += 1) uuids[first + index] = all.slice(index * UUID_LENGTH, (index + 1) * UUID_LENGTH);
    }
  } finally {
    text.fill(0);
  }
  return uuids;
}

// Bounds-checked reads over an ELF image. Every read of the parser goes through
// here, so a truncated or hostile image becomes a VdsoParseError, never a RangeError.
import { VdsoParseError } from './errors.js';

export class ByteReader {
  readonly length: number;
  readonly littleEndian: boolean;
  readonly wordSize: 4 | 8;
  private readonly view: DataView;

  constructor(bytes: Uint8Array | DataView, littleEndian: boolean, wordSize: 4 | 8) {
    this.view = bytes instanceof DataView ? bytes : new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.length = this.view.byteLength;
    this.littleEndian = littleEndian;
    this.wordSize = wordSize;
  }

  /** Throws unless `size` bytes at `offset` lie inside the image. */
  check(offset: number, size: number, what: string): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || size < 0 || offset + size > this.length) {
      throw new VdsoParseError(
        'ERR_VDSO_TRUNCATED',
        Number.isSafeInteger(offset) ? offset : -1,
        `${what} needs ${size} bytes at offset ${offset} but the image is ${this.length} bytes`,
      );
    }
  }

  u8(offset: number, what: string): number {
    this.check(offset, 1, what);
    return this.view.getUint8(offset);
  }

  u16(offset: number, what: string): number {
    this.check(offset, 2, what);
    return this.view.getUint16(offset, this.littleEndian);
  }

  u32(offset: number, what: string): number {
    this.check(offset, 4, what);
    return this.view.getUint32(offset, this.littleEndian);
  }

  u64(offset: number, what: string): bigint {
    this.check(offset, 8, what);
    return this.view.getBigUint64(offset, this.littleEndian);
  }

  /** A native word of the image's class (Elf32_Addr or Elf64_Addr), as a BigInt. */
  word(offset: number, what: string): bigint {
    return this.wordSize === 8 ? this.u64(offset, what) : BigInt(this.u32(offset, what));
  }

  /** A signed native word (d_tag is signed), as a BigInt. */
  signedWord(offset: number, what: string): bigint {
    if (this.wordSize === 8) {
      this.check(offset, 8, what);
      return this.view.getBigInt64(offset, this.littleEndian);
    }
    this.check(offset, 4, what);
    return BigInt(this.view.getInt32(offset, this.littleEndian));
  }

  /** A NUL-terminated string that must end before `limit`. */
  cString(offset: number, limit: number, what: string): string {
    const end = Math.min(limit, this.length);
    this.check(offset, 1, what);
    let cursor = offset;
    while (cursor < end && this.view.getUint8(cursor) !== 0) cursor += 1;
    if (cursor >= end) {
      throw new VdsoParseError('ERR_VDSO_BAD_STRING', offset, `${what} is not NUL-terminated within its table`);
    }
    return textDecoder.decode(new Uint8Array(this.view.buffer, this.view.byteOffset + offset, cursor - offset));
  }
}

const textDecoder = new TextDecoder('latin1');

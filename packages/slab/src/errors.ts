// The one error class of @vgetrandom/slab. Misuse (double free, foreign pointer, use
// after dispose) throws and changes nothing; running out of memory is a null result.

export type SlabErrorCode =
  | 'ERR_SLAB_STATE_TOO_LARGE'
  | 'ERR_SLAB_INVALID_OPTION'
  | 'ERR_SLAB_DOUBLE_FREE'
  | 'ERR_SLAB_FOREIGN'
  | 'ERR_SLAB_MISALIGNED'
  | 'ERR_SLAB_DISPOSED'
  | 'ERR_SLAB_INVARIANT'
  | 'ERR_SLAB_UNMAP_FAILED'
  | 'ERR_SLAB_METADATA'
  | 'ERR_SLAB_BAD_SCENARIO';

/** Misuse of an allocator or pool, with a stable `code` (`ERR_SLAB_*`). A throwing call changes nothing. */
export class SlabError extends Error {
  override readonly name = 'SlabError';
  readonly code: SlabErrorCode;

  constructor(code: SlabErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

// @vgetrandom/vdso: find exported functions in the Linux vDSO. The parser is pure
// (bytes in, symbols out); the live locator reads this process's mapped vDSO.
export { type GetrandomSymbol, getrandomSymbolFor, getrandomSymbolTable } from './arch.js';
export { VdsoParseError, type VdsoParseErrorCode } from './errors.js';
export { elfHash, gnuHash } from './hash.js';
export { type LiveVdso, locateVdso, resolveVdsoSymbol } from './native.js';
export { type ParseOptions, VdsoImage, type VdsoImageInfo, type VdsoSymbol, parseVdso, vdsoImageLength } from './parse.js';

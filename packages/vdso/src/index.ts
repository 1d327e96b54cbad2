// @vgetrandom/vdso: the dynamic symbols of any ELF shared object, and the Linux vDSO's
// exported functions. The parser is pure (bytes in, symbols out); the live locator reads
// this process's mapped vDSO.
export { type GetrandomSymbol, getrandomSymbolFor, getrandomSymbolTable } from './arch.js';
export { VdsoOptionError, VdsoParseError, type VdsoParseErrorCode } from './errors.js';
export { elfHash, gnuHash } from './hash.js';
export { type LiveVdso, locateVdso, resolveVdsoSymbol } from './native.js';
export {
  type ElfSymbol,
  type LookupOptions,
  type LookupRule,
  type ParseOptions,
  type SymbolBind,
  type SymbolType,
  type SymbolVisibility,
  VdsoImage,
  type VdsoImageInfo,
  type VdsoSymbol,
  parseElf,
  parseVdso,
  vdsoImageLength,
} from './parse.js';

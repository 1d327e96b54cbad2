// The fuzz tool as a library: targets, the runner, mutants and findings (used by tests).
export { type Finding, type TargetName, findingsDirectory, readFinding, writeFinding } from './finding.js';
export { type FacadeMutantName, type MutantName, createAllocator, facadeMutants, isFacadeMutantName, isMutantName, mutants } from './mutants.js';
export { nativeHooks } from './native.js';
export { type Progress, type RunOptions, type RunSummary, runTarget } from './runner.js';
export { ShadowRecord, ShadowViolation } from './shadow.js';
export { type ElfCase, baseImages, checkElf, elfArbitrary, materialise } from './targets/elf.js';
export { type Call, callArbitrary, checkFacade, facadeArbitrary } from './targets/facade.js';
export { type HostileCase, type Lie, checkHostile, hostileArbitrary, propertyReadingApi } from './targets/hostile-views.js';
export { type PoolOptions, runPool } from './targets/pool.js';
export { type SlabCase, type SlabConfig, type SlabOperation, caseArbitrary, runSlabCase } from './targets/slab.js';
export { runFacadeWorkers, runNamedTarget, replay } from './targets.js';
export { type SourceMutant, type SourceMutantName, isSourceMutantName, loadSourceMutant, sourceMutants } from './source-mutants.js';
export { DEFAULT_HANG_MS, smallerCases } from './watchdog.js';
export { type CorpusEntry, corpusImages, corpusManifest } from './corpus.js';
export { type AllocatorContext, type AllocatorContract, type AllocatorCounts, type AllocatorFactory, type AllocatorOperation, type PluggableAllocator, REJECTIONS, type Rejection, allocatorOperations, runAllocatorCase } from './targets/allocator.js';
export { type CAllocator, FuzzAllocatorError, type FuzzAllocatorOptions, type FuzzAllocatorReport, assertAllocator, cAllocator, describeReport, fuzzAllocator, fuzzCAllocator } from './fuzz-allocator.js';

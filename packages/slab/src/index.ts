// @vgetrandom/slab: a page-respecting slab allocator for vgetrandom states. The core
// works over any PageSource; MmapPageSource is the native one.
export type {
  ChunkLayout,
  GrowthPolicy,
  HandOutOrder,
  MapResult,
  PageLayout,
  PageSource,
  ReclaimOptions,
  Region,
  SlabHooks,
  SlabLayout,
  SlabOptions,
  SlabStats,
  StateHandle,
} from './api.js';
export { SlabAllocator } from './allocator.js';
export { type ScenarioStep, type ThreadEvent, formatScenario, parseScenario, randomScenario, startsIn, threadEvents } from './scenario.js';
export { SlabError, type SlabErrorCode } from './errors.js';
export { type Geometry, computeGeometry } from './geometry.js';
export { MmapPageSource, type MmapPageSourceOptions } from './mmap-source.js';
export { SimulatedPageSource, type SimulatedPageSourceOptions } from './simulated-source.js';
export { type PoolStep, type SharedPoolDescriptor, type SharedPoolOptions, SharedSlabPool, type ThreadIdentity } from './shared-pool.js';
export { SharedStore, type SharedStoreDescriptor } from './shared-store.js';
export { UNKNOWN_START, kernelThreadIdentity, threadMayBeAlive, threadStartTime } from './thread-identity.js';
export {
  GOARCH_OF_NODE,
  GO_CACHE_LINE,
  GO_VDSO_GOARCHES,
  PROFILE_NAMES,
  allocatorOptions,
  type ProfileHost,
  type ProfileName,
  type ProfileSettings,
  glibcPointerArray,
  profileSettings,
} from './profiles.js';

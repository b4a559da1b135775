export { storeConformanceCases } from './cases.js';
export type { StoreConformanceCase, StoreConformanceOptions, StoreFactory, StoreFactoryOptions } from './types.js';
export { readSnapshot, referenceSnapshot, checkChanges } from './snapshot.js';
export type { StoreSnapshot } from './snapshot.js';

export { storeConformanceCases } from './cases.js';
export { userConformanceCases, withUser } from './user-cases.js';
export { feedConformanceCases } from './feed-cases.js';
export type { StoreConformanceCase, StoreConformanceOptions, StoreFactory, StoreFactoryOptions } from './types.js';
export { readSnapshot, referenceSnapshot, checkChanges } from './snapshot.js';
export type { StoreSnapshot } from './snapshot.js';

// `@presence-webhooks/testing`: the compatibility entry, every name of the three subpaths. New code imports from
// `/builders`, `/simulator` or `/conformance` (each with its own short list in the README).
export * from './builders/index.js';
export * from './simulator/index.js';
export * from './conformance/index.js';

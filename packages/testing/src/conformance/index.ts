// `@presence-webhooks/testing/conformance`: the suites that prove a store or an adapter.
export { storeConformanceCases, readSnapshot, referenceSnapshot, checkChanges } from '../store-conformance/index.js';
export type {
  StoreConformanceCase,
  StoreConformanceOptions,
  StoreFactory,
  StoreFactoryOptions,
  StoreSnapshot,
} from '../store-conformance/index.js';
export {
  adapterConformance,
  conformanceCases,
  sendHttp,
  SUITE_KEY,
  FOREIGN_KEY,
  ABLY_RULE_SECRET,
  PUBNUB_SECRET,
  suiteOptions,
} from '../adapter-conformance/index.js';
export type {
  AdapterConformanceOptions,
  AdapterFactory,
  AdapterServer,
  AdapterSetup,
  ConformanceCase,
  HttpAnswer,
  HttpSend,
  ParserFirstOutcome,
  TestApi,
} from '../adapter-conformance/index.js';

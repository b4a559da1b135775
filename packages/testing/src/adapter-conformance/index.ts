export { adapterConformance, conformanceCases } from './suite.js';
export type { ConformanceCase } from './cases.js';
export { sendHttp } from './http-client.js';
export type { HttpAnswer, HttpSend } from './http-client.js';
export { SUITE_KEY, FOREIGN_KEY, ABLY_RULE_SECRET, PUBNUB_SECRET, suiteOptions } from './requests.js';
export type { AdapterConformanceOptions, AdapterFactory, AdapterServer, AdapterSetup, ParserFirstOutcome, TestApi } from './types.js';

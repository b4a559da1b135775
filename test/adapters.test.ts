/**
 * The adapter conformance suite (@presence-webhooks/testing) run against every framework: the same
 * case list, each answer checked against core's own answer for the same request.
 */
import { adapterConformance } from '@presence-webhooks/testing/conformance';
import { describe, it } from 'vitest';
import { FRAMEWORKS } from './adapters-servers.js';

for (const framework of FRAMEWORKS) {
  adapterConformance(framework.name, framework.factory, { describe, it, parserFirst: framework.parserFirst });
}

/**
 * The adapter conformance suite over real HTTP through Express 5 with a PostgresStore under each server
 * (a schema of its own per server, dropped after): every answer and event the same as with the default store.
 */
import type { ReceiverOptions } from '@presence-webhooks/core';
import { PostgresStore } from '@presence-webhooks/postgres';
import { adapterConformance } from '@presence-webhooks/testing/conformance';
import type { AdapterSetup } from '@presence-webhooks/testing/conformance';
import express5 from 'express';
import pg from 'pg';
import { afterAll, describe, it } from 'vitest';
import { expressFactory } from './adapters-servers.js';
import { dropSchemas, POSTGRES_URL, postgresAvailable, uniqueSchema } from './helpers/postgres.js';

const available = await postgresAvailable();
const prefix = uniqueSchema('adapter');
const express = expressFactory(express5);
let n = 0;

async function withPostgres(options: ReceiverOptions, setup: AdapterSetup) {
  const store = new PostgresStore({ connectionString: POSTGRES_URL, schema: `${prefix}_${n++}`, maxConnections: 2 });
  await store.migrate();
  // The suite's deliveries carry fixed 2023 times: replayed as recorded fixtures (no staleBefore).
  const server = await express({ maxEventAgeMs: Infinity, ...options, store }, setup);
  return {
    ...server,
    close: async () => {
      await server.close();
      await store.close();
    },
  };
}

if (available) {
  adapterConformance('Express 5 with PostgresStore', withPostgres, { describe, it, parserFirst: 'body_consumed' });
  describe('schemas', () => {
    afterAll(async () => {
      const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 });
      await dropSchemas(pool, prefix);
      await pool.end();
    });
    it('are dropped after the suite', () => undefined);
  });
} else {
  describe.skip('adapter conformance with PostgresStore (no PostgreSQL)', () => it('skipped', () => undefined));
}

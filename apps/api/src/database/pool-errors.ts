import type { Pool, PoolClient } from 'pg';

/**
 * Keeps a dropped PostgreSQL connection from ending the process. `pg` reports a server-side drop (a restart, a
 * failover, `pg_terminate_backend`) as an `'error'` event, and an `'error'` event without a listener is an uncaught
 * exception. pg-pool listens on its idle clients and re-emits on the pool, but takes its listener off a client
 * while it is checked out: a client held between two statements of a transaction (begin ... commit) when the
 * server goes away has no listener at all. The statement in flight, or the next one, still fails on its own and the
 * caller answers 503; the broken client is discarded when released. (MikroORM's own pool does the same.)
 */
export function survivePoolErrors(pool: Pool, onError: (e: Error) => void = () => undefined): Pool {
  pool.on('error', onError);
  pool.on('connect', (client: PoolClient) => {
    client.on('error', onError);
  });
  return pool;
}

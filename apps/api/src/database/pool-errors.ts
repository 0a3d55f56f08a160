import type { Pool } from 'pg';

/**
 * Keeps a connection that PostgreSQL drops (a restart, a failover, an idle timeout) from taking the process down.
 * `pg` reports the drop as an `'error'` event, and an `'error'` event without a listener is an uncaught exception:
 * - on an idle client, `pg-pool` re-emits it on the pool;
 * - on a checked-out client, `pg-pool` removes its own listener while the client is out, so the client emits it with
 *   nobody listening, even when a query is in flight (that query also rejects, and its caller handles that).
 * So both get a listener that only reports (the pool discards the broken client; the next checkout opens a new one).
 * MikroORM's pool does the same for itself (PostgreSqlConnection.handlePoolErrors); raw pools call this.
 */
export function guardPoolErrors(pool: Pool, report: (msg: string, error: Error) => void): void {
  pool.on('error', (e) => report('idle PostgreSQL connection dropped', e));
  pool.on('connect', (client) => {
    client.on('error', (e) => report('PostgreSQL connection dropped', e));
  });
}

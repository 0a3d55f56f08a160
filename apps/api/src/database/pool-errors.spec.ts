import { Client, Pool } from 'pg';
import { survivePoolErrors } from './pool-errors';

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Ends a backend from outside, as a PostgreSQL restart does (FATAL 57P01 to every session). */
async function terminate(pid: number): Promise<void> {
  const admin = new Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query('select pg_terminate_backend($1)', [pid]);
  } finally {
    await admin.end();
  }
}

describe('survivePoolErrors', () => {
  it('a connection dropped while checked out between two statements does not end the process; the pool recovers', async () => {
    const pool = survivePoolErrors(new Pool({ connectionString: url, max: 1 }));
    const seen: string[] = [];
    pool.on('error', (e) => seen.push(e.message));
    const client = await pool.connect();
    let released = false;
    try {
      // without a listener on the checked-out client this 'error' event throws out of the socket's data handler
      expect(client.listenerCount('error')).toBeGreaterThan(0);
      await client.query('begin');
      const [{ pid }] = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows as [
        { pid: number },
      ];
      const dropped = new Promise<Error>((resolve) => client.once('error', resolve));
      await terminate(pid);
      expect((await dropped).message).toMatch(/terminating connection/);
      await expect(client.query('select 1')).rejects.toThrow();
      client.release(true);
      released = true;
      // the next checkout gets a fresh connection
      const { rows } = await pool.query<{ ok: number }>('select 1 as ok');
      expect(rows).toEqual([{ ok: 1 }]);
    } finally {
      if (!released) client.release(true);
      await pool.end();
    }
  });
});

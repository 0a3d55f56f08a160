import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface EmbeddedPg {
  url: string;
  /** Shuts the server down (SIGTERM to its process) and waits for it. */
  stop: () => Promise<void>;
}

/**
 * An embedded PostgreSQL of a test's own (scripts/lib/embedded-pg.mjs, ESM) in a process of its own, on `port`, its
 * data in `dir`: for tests that stop and restart the database (the machine's shared one cannot be restarted).
 * Starting it again on the same dir and port is a restart.
 */
export async function startEmbeddedPg(dir: string, port: number, database: string): Promise<EmbeddedPg> {
  const script = `
    import { startEmbeddedPostgres } from ${JSON.stringify(join(__dirname, '../../../scripts/lib/embedded-pg.mjs'))};
    const pg = await startEmbeddedPostgres({ dir: ${JSON.stringify(dir)}, port: ${port}, database: ${JSON.stringify(database)} });
    process.on('SIGTERM', () => pg.stop().then(() => process.exit(0)));
    console.log(JSON.stringify({ url: pg.url }));
    setInterval(() => undefined, 1 << 30);`;
  const proc = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /\{"url":"([^"]+)"\}/.exec(out);
      if (m) resolve(m[1]!);
    });
    proc.once('exit', (code) => reject(new Error(`embedded PostgreSQL exited with ${code}: ${out}`)));
  });
  return {
    url,
    stop: async () => {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

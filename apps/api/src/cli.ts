import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { loadConfig } from './config/config';
import { MikroORM } from '@mikro-orm/postgresql';
import { migrate } from './database/migrate';
import { ormConfig } from './database/mikro-orm.config';
import { AuthService } from './auth/auth.service';
import { createApp } from './app';
import { buildOpenApi } from './openapi/openapi';

const USAGE = `Usage: node apps/api/dist/cli.js <command>
  migrate                               apply pending database migrations
  create-admin --email E --password P   create or promote a global owner (platform admin)
  openapi [FILE]                        write the OpenAPI document (default: stdout)
  schema-diff                           print SQL the entities need beyond the migrations (empty = no drift)
Reads DATABASE_URL and the other variables of .env.example.`;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

async function run(): Promise<void> {
  const command = process.argv[2];
  const config = loadConfig();
  switch (command) {
    case 'migrate': {
      const done = await migrate(config.databaseUrl);
      process.stdout.write(done.length ? `Applied: ${done.join(', ')}\n` : 'Nothing to migrate\n');
      return;
    }
    case 'create-admin': {
      const email = arg('email');
      const password = arg('password');
      if (!email || !password || password.length < 10)
        throw new Error('create-admin needs --email and --password (10+ characters)');
      await migrate(config.databaseUrl);
      const app = await createApp({ ...config, logLevel: 'error' });
      await app.init();
      const { created } = await app.get(AuthService).ensureGlobalOwner(email, password);
      await app.close();
      process.stdout.write(`${created ? 'Created' : 'Updated'} global owner ${email}\n`);
      return;
    }
    case 'openapi': {
      const app = await createApp({ ...config, logLevel: 'error' });
      await app.init();
      const json = `${JSON.stringify(buildOpenApi(app), null, 2)}\n`;
      await app.close();
      if (process.argv[3]) writeFileSync(process.argv[3], json);
      else process.stdout.write(json);
      return;
    }
    case 'schema-diff': {
      const orm = await MikroORM.init(ormConfig(config.databaseUrl, 2));
      const sql = await orm.schema.getUpdateSchemaSQL({ wrap: false });
      await orm.close(true);
      process.stdout.write(sql.trim() ? `${sql.trim()}\n` : '');
      return;
    }
    default:
      process.stderr.write(`${USAGE}\n`);
      process.exitCode = 2;
  }
}

run().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

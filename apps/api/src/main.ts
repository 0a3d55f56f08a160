import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigError, loadConfig } from './config/config';
import { migrate } from './database/migrate';
import { DatabaseRoleError } from './database/app-role';
import { AuthService } from './auth/auth.service';
import { createApp } from './app';

async function main(): Promise<void> {
  const config = loadConfig();
  const applied = await migrate(config.databaseUrl);
  const app = await createApp(config);
  const logger = new Logger('Main');
  if (applied.length > 0) logger.log({ msg: 'migrations applied', migrations: applied });
  if (config.admin) {
    const { created } = await app
      .get(AuthService)
      .ensureGlobalOwner(config.admin.email, config.admin.password);
    logger.log({ msg: created ? 'global owner created' : 'global owner ensured', email: config.admin.email });
  }
  await app.listen({ port: config.port, host: config.host });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.log({ msg: 'listening', url: `http://localhost:${port}`, port });
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof DatabaseRoleError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(
      `Failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
  }
  process.exit(1);
});

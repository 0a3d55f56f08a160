/** `npm run aws-local -- --root DIR [--port 4566] [--host 127.0.0.1]` */
import { parseArgs } from 'node:util';
import { startAwsLocal } from './server';

async function main() {
  const { values } = parseArgs({
    options: {
      root: { type: 'string' },
      port: { type: 'string', default: '4566' },
      host: { type: 'string', default: '127.0.0.1' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || !values.root) {
    console.log('usage: aws-local --root DIR [--port 4566] [--host 127.0.0.1]');
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const handle = await startAwsLocal({ root: values.root, port: Number(values.port), host: values.host });
  console.log(
    `aws-local listening on ${handle.url} (root ${handle.root}); set AWS_ENDPOINT_URL=${handle.url}`,
  );
  const stop = () => {
    void handle.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});

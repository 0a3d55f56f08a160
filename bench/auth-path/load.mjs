// A small closed-loop HTTP load generator for bench/auth-path.ts, run in its own process: `connections` keep-alive
// connections, each sending its next request when the previous answer is in, for `seconds`.
// Usage: node bench/auth-path/load.mjs <url> <connections> <seconds> [bearer token]
// Prints one JSON line: requests, req_per_s, p50_ms, p99_ms, max_ms, non_2xx, errors.
import http from 'node:http';
import { performance } from 'node:perf_hooks';

const [url, connArg, secondsArg, token] = process.argv.slice(2);
const connections = Number(connArg);
const seconds = Number(secondsArg);
if (!url || !connections || !seconds) {
  process.stderr.write('Usage: node load.mjs <url> <connections> <seconds> [bearer token]\n');
  process.exit(2);
}
const target = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const headers = token ? { authorization: `Bearer ${token}` } : {};
const latencies = [];
let non2xx = 0;
let errors = 0;

function once() {
  return new Promise((resolve) => {
    const t = process.hrtime.bigint();
    const req = http.request(
      { host: target.hostname, port: target.port, path: target.pathname + target.search, agent, headers },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () => {
          latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
          if (res.statusCode < 200 || res.statusCode >= 300) non2xx++;
          resolve();
        });
      },
    );
    req.on('error', () => {
      errors++;
      resolve();
    });
    req.end();
  });
}

const started = performance.now();
const until = started + seconds * 1000;
await Promise.all(
  Array.from({ length: connections }, async () => {
    while (performance.now() < until) await once();
  }),
);
const elapsed = (performance.now() - started) / 1000;
agent.destroy();
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
process.stdout.write(
  JSON.stringify({
    requests: latencies.length,
    req_per_s: latencies.length / elapsed,
    p50_ms: pct(50),
    p99_ms: pct(99),
    max_ms: latencies.at(-1) ?? NaN,
    non_2xx: non2xx,
    errors,
  }) + '\n',
);

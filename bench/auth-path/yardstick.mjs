// The yardstick of bench/auth-path.ts (issue #18): a bare Fastify + pg server on the same database that verifies
// the same HS256 access token and runs one indexed query for the caller's user, membership and tenant, and nothing
// else. It connects as the database owner (no row-level security), with the API's default pool size.
// Usage: node bench/auth-path/yardstick.mjs <database url> <jwt secret> <port>
import { createHmac, timingSafeEqual } from 'node:crypto';
import Fastify from 'fastify';
import pg from 'pg';

const [url, secret, port] = process.argv.slice(2);
if (!url || !secret || !port) {
  process.stderr.write('Usage: node yardstick.mjs <database url> <jwt secret> <port>\n');
  process.exit(2);
}
const pool = new pg.Pool({ connectionString: url, max: 10 });

function verify(authorization) {
  if (!authorization?.startsWith('Bearer ')) return null;
  const [h, p, s] = authorization.slice(7).split('.');
  if (!h || !p || !s) return null;
  const header = JSON.parse(Buffer.from(h, 'base64url').toString());
  if (header.alg !== 'HS256') return null;
  const expected = createHmac('sha256', secret).update(`${h}.${p}`).digest();
  const given = Buffer.from(s, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
  if (claims.typ !== 'access' || typeof claims.exp !== 'number' || claims.exp <= Date.now() / 1000)
    return null;
  return claims;
}

const app = Fastify({ logger: false });
app.get('/me', async (req, reply) => {
  const claims = verify(req.headers.authorization);
  if (!claims) return reply.code(401).send({ code: 'UNAUTHORIZED' });
  const { rows } = await pool.query(
    `select u.id, u.email, u.name, u.is_global_owner, m.role, t.id as tenant_id, t.name as tenant_name
       from membership m join app_user u on u.id = m.user_id join tenant t on t.id = m.tenant_id
      where m.user_id = $1 and m.tenant_id = $2 and u.disabled_at is null`,
    [claims.sub, claims.tid],
  );
  if (rows.length === 0) return reply.code(401).send({ code: 'UNAUTHORIZED' });
  return rows[0];
});
await app.listen({ port: Number(port), host: '127.0.0.1' });
process.on(
  'SIGTERM',
  () =>
    void app
      .close()
      .then(() => pool.end())
      .then(() => process.exit(0)),
);

/** One HTTP port serving STS, Glue, Athena, S3, CloudWatch and the admin routes (`/_aws-local/...`). */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { faultSpecSchema, loadConfigFile, type AwsLocalConfig, type FaultSpec } from '../config';
import { AthenaService } from './athena';
import { Catalog } from './catalog';
import { CloudWatchService } from './cloudwatch';
import { handleGlue } from './glue';
import {
  AwsError,
  credentialScope,
  isJson,
  readBody,
  sendError,
  sendJson,
  sendXml,
  sleep,
  type Json,
  type Service,
} from './protocol';
import { S3Service } from './s3';
import { State, type ActiveFault } from './state';
import { handleSts, stsOperation } from './sts';

export interface StartAwsLocalOptions {
  /** Folder with `aws-local.json` and `s3/<bucket>/<key...>`. */
  root: string;
  /** 0 = a random free port (default 4566). */
  port?: number;
  host?: string;
  /** Use this configuration instead of reading `root/aws-local.json`. */
  config?: AwsLocalConfig;
}

export interface FaultController {
  add(spec: FaultSpec): ActiveFault;
  clear(): void;
  list(): ActiveFault[];
}

export interface AwsLocalHandle {
  url: string;
  port: number;
  root: string;
  config: AwsLocalConfig;
  faults: FaultController;
  setRole(
    accountId: string,
    roleName: string,
    opts: { external_id: string | null; trusted?: string[]; max_session_duration?: number },
  ): void;
  revokeRole(accountId: string, roleName: string): boolean;
  addFault(spec: FaultSpec): ActiveFault;
  clearFaults(): void;
  /** Moves the endpoint's clock forward (credential expiry without waiting). */
  advanceClock(seconds: number): void;
  /** Expires issued credentials now (all, or one access key id); returns how many. */
  expireCredentials(accessKeyId?: string): number;
  /** Calls received per `service.Operation` (faulted ones included) since start or the last reset. */
  calls(): Record<string, number>;
  resetCalls(): void;
  close(): Promise<void>;
}

const ACTIONS: Record<Exclude<Service, 'sts'>, string> = {
  athena: 'athena',
  glue: 'glue',
  s3: 's3',
  cloudwatch: 'cloudwatch',
};

export async function startAwsLocal(opts: StartAwsLocalOptions): Promise<AwsLocalHandle> {
  const root = resolve(opts.root);
  const config = opts.config ?? loadConfigFile(join(root, 'aws-local.json'));
  const state = new State(config, root);
  const catalog = new Catalog(root);
  const athena = new AthenaService(state, catalog);
  const cloudwatch = new CloudWatchService(state);
  const s3 = new S3Service(root);
  let calls: Record<string, number> = {};
  const count = (service: Service, op: string) => {
    const key = `${service}.${op}`;
    calls[key] = (calls[key] ?? 0) + 1;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/_aws-local')) return admin(req, res, url);
    const target = String(req.headers['x-amz-target'] ?? '');
    const scope = credentialScope(req, url);
    let service: Service;
    if (target.startsWith('AmazonAthena.')) service = 'athena';
    else if (target.startsWith('AWSGlue.')) service = 'glue';
    else if (target.startsWith('GraniteServiceVersion20100801.')) service = 'cloudwatch';
    else if (scope?.service === 'sts' || (req.method === 'POST' && url.pathname === '/' && !target))
      service = 'sts';
    else service = 's3';
    const method = req.method ?? 'GET';
    try {
      const token =
        req.headers['x-amz-security-token'] ?? url.searchParams.get('X-Amz-Security-Token') ?? undefined;
      const principal = state.principal(service, scope?.accessKeyId, Array.isArray(token) ? token[0] : token);
      if (service === 's3') {
        const bucket = decodeURIComponent(url.pathname.split('/')[1] ?? '');
        const op = `${method}`;
        const account = state.actingAccount(principal, 's3', `s3:${op}`, `arn:aws:s3:::${bucket}`);
        count('s3', s3Operation(method, url));
        await applyFaults('s3', s3Operation(method, url), account.account_id);
        const owner = state.bucketOwner(bucket);
        if (owner && owner !== account.account_id) throw new AwsError('AccessDenied', 'Access Denied', 403);
        await s3.handle(req, res, url);
        return;
      }
      let body = await readBody(req);
      if (String(req.headers['content-encoding'] ?? '').includes('gzip')) body = gunzipSync(body);
      if (service === 'sts') {
        const { action, params } = stsOperation(body);
        count('sts', action);
        await applyFaults('sts', action, undefined);
        const xml = handleSts(state, principal, action, params);
        return sendXml(res, 200, xml.replace(/^/, ''), { 'content-type': 'text/xml' });
      }
      const op = target.split('.')[1] ?? '';
      let input: Json = {};
      if (body.length) {
        const parsed: unknown = JSON.parse(body.toString('utf8'));
        if (isJson(parsed)) input = parsed;
      }
      const account = state.actingAccount(
        principal,
        service,
        `${ACTIONS[service]}:${op}`,
        resourceOf(service, principal.accountId, op, input, config.region),
      );
      count(service, op);
      await applyFaults(service, op, account.account_id);
      let out: Json;
      if (service === 'athena') out = await athena.handle(account, op, input);
      else if (service === 'glue') out = await handleGlue(account, catalog, op, input);
      else out = cloudwatch.handle(account, op, input);
      return sendJson(
        res,
        200,
        out,
        service === 'cloudwatch' ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1',
      );
    } catch (e) {
      if (e instanceof AwsError) return sendError(res, service, e, method);
      if (e instanceof SyntaxError)
        return sendError(res, service, new AwsError('SerializationException', e.message), method);
      console.error('aws-local: unexpected error', e);
      return sendError(
        res,
        service,
        new AwsError('InternalFailure', (e as Error).message, 500, 'Receiver'),
        method,
      );
    }
  };

  const applyFaults = async (service: Service, op: string, accountId: string | undefined) => {
    const applied = new Set<ActiveFault>(); // each fault applies at most once per call (an uncounted one: forever)
    for (;;) {
      const f = state.takeFault(service, op, accountId, applied);
      if (!f) return;
      applied.add(f);
      if (f.kind === 'latency') {
        await sleep(f.ms ?? 1000);
        continue;
      }
      throw state.faultError(f, service);
    }
  };

  const admin = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const reply = (status: number, body: unknown) => sendJson(res, status, body, 'application/json');
    try {
      const body = req.method === 'POST' || req.method === 'PUT' ? await readBody(req) : Buffer.alloc(0);
      const input: unknown = body.length ? JSON.parse(body.toString('utf8')) : {};
      const j: Json = isJson(input) ? input : {};
      const path = url.pathname.replace(/^\/_aws-local\/?/, '');
      const [resource = '', a, b] = path.split('/').map(decodeURIComponent);
      switch (`${req.method} ${resource}`) {
        case 'GET health':
          return reply(200, {
            ok: true,
            region: config.region,
            accounts: config.accounts.map((x) => x.account_id),
          });
        case 'GET config':
          return reply(200, config);
        case 'GET calls':
          return reply(200, { calls });
        case 'DELETE calls':
          calls = {};
          return reply(200, { ok: true });
        case 'GET faults':
          return reply(200, { faults: state.faults() });
        case 'POST faults': {
          const parsed = faultSpecSchema.safeParse(j);
          if (!parsed.success)
            return reply(400, {
              error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
            });
          return reply(200, { fault: state.addFault(parsed.data) });
        }
        case 'DELETE faults':
          state.clearFaults();
          return reply(200, { ok: true });
        case 'PUT roles':
        case 'POST roles': {
          const accountId = typeof j['account_id'] === 'string' ? j['account_id'] : (a ?? '');
          const name = typeof j['name'] === 'string' ? j['name'] : (b ?? '');
          const ext = j['external_id'];
          if (!name || (ext !== null && typeof ext !== 'string'))
            return reply(400, { error: 'needs account_id, name and external_id (string or null)' });
          state.setRole(accountId, name, {
            external_id: ext,
            ...(Array.isArray(j['trusted']) ? { trusted: (j['trusted'] as unknown[]).map(String) } : {}),
          });
          return reply(200, { ok: true });
        }
        case 'DELETE roles':
          return reply(state.revokeRole(a ?? '', b ?? '') ? 200 : 404, { ok: true });
        case 'POST clock':
          state.advanceClock(Number(j['advance_seconds'] ?? 0));
          return reply(200, { now: new Date(state.now()).toISOString() });
        case 'POST credentials':
          return reply(200, {
            expired: state.expireCredentials(
              typeof j['access_key_id'] === 'string' ? j['access_key_id'] : undefined,
            ),
          });
        case 'GET queries':
          return reply(200, {
            queries: athena.list().map((q) => ({
              id: q.id,
              account_id: q.accountId,
              state: q.state,
              reason: q.reason,
              query: q.query,
              workgroup: q.workgroup,
              client_request_token: q.token ?? null,
              submitted: q.submitted,
            })),
          });
        default:
          return reply(404, { error: `unknown admin route ${req.method} /_aws-local/${path}` });
      }
    } catch (e) {
      return reply(400, { error: (e as Error).message });
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      console.error('aws-local: request failed', e);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.keepAliveTimeout = 5000;
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 4566, host, () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    root,
    config,
    faults: { add: (s) => state.addFault(s), clear: () => state.clearFaults(), list: () => state.faults() },
    setRole: (accountId, roleName, o) => state.setRole(accountId, roleName, o),
    revokeRole: (accountId, roleName) => state.revokeRole(accountId, roleName),
    addFault: (s) => state.addFault(s),
    clearFaults: () => state.clearFaults(),
    advanceClock: (s) => state.advanceClock(s),
    expireCredentials: (k) => state.expireCredentials(k),
    calls: () => ({ ...calls }),
    resetCalls: () => {
      calls = {};
    },
    close: async () => {
      athena.close();
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
      await catalog.close();
    },
  };
}

function s3Operation(method: string, url: URL): string {
  const hasKey = url.pathname.split('/').filter(Boolean).length > 1;
  if (!hasKey)
    return method === 'HEAD'
      ? 'HeadBucket'
      : url.searchParams.has('location')
        ? 'GetBucketLocation'
        : 'ListObjectsV2';
  return method === 'HEAD'
    ? 'HeadObject'
    : method === 'PUT'
      ? 'PutObject'
      : method === 'DELETE'
        ? 'DeleteObject'
        : 'GetObject';
}

function resourceOf(service: Service, accountId: string, op: string, input: Json, region: string): string {
  if (service === 'athena')
    return `arn:aws:athena:${region}:${accountId}:workgroup/${typeof input['WorkGroup'] === 'string' ? input['WorkGroup'] : 'primary'}`;
  if (service === 'glue') return `arn:aws:glue:${region}:${accountId}:catalog`;
  return '*';
}

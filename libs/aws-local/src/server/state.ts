/** Mutable endpoint state: configuration, clock, issued credentials, faults. */
import { randomBytes } from 'node:crypto';
import { parseS3Url, type AccountConfig, type AwsLocalConfig, type FaultSpec } from '../config';
import { AwsError, type Service } from './protocol';

export interface Session {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  accountId: string;
  roleName: string;
  sessionName: string;
  arn: string;
  roleId: string;
  expiresAt: number;
  revoked: boolean;
}

export type Principal =
  | { kind: 'platform'; accessKeyId: string; accountId: string; arn: string; userId: string }
  | {
      kind: 'session';
      accessKeyId: string;
      accountId: string;
      arn: string;
      userId: string;
      session: Session;
    };

export interface ActiveFault extends FaultSpec {
  id: number;
  remaining: number;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
function upperId(prefix: string, n: number): string {
  const b = randomBytes(n);
  let s = prefix;
  for (let i = 0; i < n; i++) s += ALNUM[(b[i] ?? 0) % ALNUM.length];
  return s;
}

const INVALID: Record<Service, [string, string, number]> = {
  sts: ['InvalidClientTokenId', 'The security token included in the request is invalid.', 403],
  cloudwatch: ['InvalidClientTokenId', 'The security token included in the request is invalid.', 403],
  athena: ['UnrecognizedClientException', 'The security token included in the request is invalid.', 400],
  glue: ['UnrecognizedClientException', 'The security token included in the request is invalid.', 400],
  s3: ['InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', 403],
};
const EXPIRED: Record<Service, [string, string, number]> = {
  sts: ['ExpiredToken', 'The security token included in the request is expired', 400],
  cloudwatch: ['ExpiredToken', 'The security token included in the request is expired', 403],
  athena: ['ExpiredTokenException', 'The security token included in the request is expired', 400],
  glue: ['ExpiredTokenException', 'The security token included in the request is expired', 400],
  s3: ['ExpiredToken', 'The provided token has expired.', 400],
};
const THROTTLE: Record<Service, [string, string, number]> = {
  sts: ['Throttling', 'Rate exceeded', 400],
  cloudwatch: ['Throttling', 'Rate exceeded', 400],
  athena: ['TooManyRequestsException', 'Rate exceeded', 400],
  glue: ['ThrottlingException', 'Rate exceeded', 400],
  s3: ['SlowDown', 'Please reduce your request rate.', 503],
};
const FAIL: Record<Service, [string, string, number]> = {
  sts: ['InternalFailure', 'An internal error occurred (aws-local fault).', 500],
  cloudwatch: ['InternalServiceError', 'An internal error occurred (aws-local fault).', 500],
  athena: ['InternalServerException', 'An internal error occurred (aws-local fault).', 500],
  glue: ['InternalServiceException', 'An internal error occurred (aws-local fault).', 500],
  s3: ['InternalError', 'We encountered an internal error. Please try again.', 500],
};

export class State {
  private clockOffsetMs = 0;
  private readonly sessions = new Map<string, Session>();
  private faultList: ActiveFault[] = [];
  private faultSeq = 0;

  constructor(
    readonly config: AwsLocalConfig,
    readonly root: string,
  ) {
    for (const f of config.faults) this.addFault(f);
  }

  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  advanceClock(seconds: number) {
    this.clockOffsetMs += seconds * 1000;
  }

  account(id: string): AccountConfig | undefined {
    return this.config.accounts.find((a) => a.account_id === id);
  }

  platformArn(): string {
    return `arn:aws:iam::${this.config.platform_account_id}:user/cost-optimizer-platform`;
  }

  /** Who signed the request: the platform (static keys) or a session issued by AssumeRole. */
  principal(service: Service, accessKeyId: string | undefined, sessionToken: string | undefined): Principal {
    if (!accessKeyId) {
      if (service === 's3') throw new AwsError('AccessDenied', 'Access Denied', 403);
      throw new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
    }
    const session = this.sessions.get(accessKeyId);
    if (session) {
      if (sessionToken !== session.sessionToken) throw this.serviceError(INVALID, service);
      if (this.now() >= session.expiresAt) throw this.serviceError(EXPIRED, service);
      return {
        kind: 'session',
        accessKeyId,
        accountId: session.accountId,
        arn: session.arn,
        userId: `${session.roleId}:${session.sessionName}`,
        session,
      };
    }
    const allowed = this.config.platform_access_key_ids;
    if (allowed ? !allowed.includes(accessKeyId) : accessKeyId.startsWith('ASIA'))
      throw this.serviceError(INVALID, service);
    return {
      kind: 'platform',
      accessKeyId,
      accountId: this.config.platform_account_id,
      arn: this.platformArn(),
      userId: 'AIDAPLATFORMUSER0000',
    };
  }

  /**
   * The account a non-STS call acts in. A revoked role's sessions lose access, like a deleted role.
   */
  actingAccount(p: Principal, service: Service, action: string, resource: string): AccountConfig {
    const account = this.account(p.accountId);
    const revoked = p.kind === 'session' && p.session.revoked;
    if (!account || revoked) throw this.denied(service, p.arn, action, resource);
    return account;
  }

  denied(service: Service, arn: string, action: string, resource: string): AwsError {
    if (service === 's3') return new AwsError('AccessDenied', 'Access Denied', 403);
    const code = service === 'sts' || service === 'cloudwatch' ? 'AccessDenied' : 'AccessDeniedException';
    return new AwsError(
      code,
      `User: ${arn} is not authorized to perform: ${action} on resource: ${resource}`,
      service === 'sts' ? 403 : 400,
    );
  }

  issue(account: AccountConfig, roleName: string, sessionName: string, durationSeconds: number): Session {
    const ttl = this.config.credential_ttl_seconds ?? durationSeconds;
    const roleId = `AROA${upperId('', 17)}`;
    const session: Session = {
      accessKeyId: upperId('ASIA', 16),
      secretAccessKey: randomBytes(30).toString('base64').slice(0, 40),
      sessionToken: `FwoGZXIvYXdzEL${randomBytes(96).toString('base64')}`,
      accountId: account.account_id,
      roleName,
      sessionName,
      arn: `arn:aws:sts::${account.account_id}:assumed-role/${roleName}/${sessionName}`,
      roleId,
      expiresAt: Math.floor((this.now() + ttl * 1000) / 1000) * 1000,
      revoked: false,
    };
    this.sessions.set(session.accessKeyId, session);
    return session;
  }

  /** Expires issued credentials now (all, or one access key id). Returns how many. */
  expireCredentials(accessKeyId?: string): number {
    let n = 0;
    for (const s of this.sessions.values())
      if (!accessKeyId || s.accessKeyId === accessKeyId) {
        s.expiresAt = this.now() - 1;
        n++;
      }
    return n;
  }

  setRole(
    accountId: string,
    name: string,
    opts: { external_id: string | null; trusted?: string[]; max_session_duration?: number },
  ) {
    let account = this.account(accountId);
    if (!account) {
      if (!/^\d{12}$/.test(accountId)) throw new Error(`account id must be 12 digits: ${accountId}`);
      account = { account_id: accountId, roles: [], workgroups: [], databases: [], buckets: [], metrics: [] };
      this.config.accounts.push(account);
    }
    const role = {
      name,
      external_id: opts.external_id,
      trusted: opts.trusted ?? ['*'],
      max_session_duration: opts.max_session_duration ?? 3600,
    };
    const i = account.roles.findIndex((r) => r.name === name);
    if (i >= 0) account.roles[i] = role;
    else account.roles.push(role);
  }

  /** Deletes the role: AssumeRole fails and the sessions it issued lose access. */
  revokeRole(accountId: string, name: string): boolean {
    const account = this.account(accountId);
    if (!account) return false;
    const before = account.roles.length;
    account.roles = account.roles.filter((r) => r.name !== name);
    for (const s of this.sessions.values())
      if (s.accountId === accountId && s.roleName === name) s.revoked = true;
    return account.roles.length !== before;
  }

  addFault(spec: FaultSpec): ActiveFault {
    const f: ActiveFault = {
      ...spec,
      id: ++this.faultSeq,
      remaining: spec.count ?? Number.POSITIVE_INFINITY,
    };
    this.faultList.push(f);
    return f;
  }

  clearFaults() {
    this.faultList = [];
  }

  faults(): ActiveFault[] {
    return this.faultList.map((f) => ({ ...f }));
  }

  /** Takes the next matching fault for a call (consuming one of its count). */
  takeFault(
    service: Service,
    operation: string,
    accountId: string | undefined,
    skip: ReadonlySet<ActiveFault> = new Set(),
    query?: string,
  ): ActiveFault | undefined {
    const f = this.faultList.find(
      (x) =>
        !skip.has(x) &&
        x.service === service &&
        (x.operation === operation || x.operation === '*') &&
        (!x.account_id || x.account_id === accountId) &&
        (!x.query_contains ||
          (query !== undefined && query.toLowerCase().includes(x.query_contains.toLowerCase()))) &&
        x.remaining > 0,
    );
    if (!f) return undefined;
    f.remaining--;
    if (f.remaining <= 0) this.faultList = this.faultList.filter((x) => x !== f);
    return f;
  }

  faultError(f: ActiveFault, service: Service): AwsError {
    const [code, message, status] = f.kind === 'throttle' ? THROTTLE[service] : FAIL[service];
    const extra =
      service === 'athena' && f.kind === 'throttle' ? { Reason: 'CONCURRENT_QUERY_LIMIT_EXCEEDED' } : {};
    return new AwsError(code, f.message ?? message, status, status >= 500 ? 'Receiver' : 'Sender', extra);
  }

  private serviceError(table: Record<Service, [string, string, number]>, service: Service): AwsError {
    const [code, message, status] = table[service];
    return new AwsError(code, message, status);
  }

  /** The account that owns a bucket (referenced in its config), or undefined when unowned. */
  bucketOwner(bucket: string): string | undefined {
    for (const a of this.config.accounts) {
      if (a.buckets.includes(bucket)) return a.account_id;
      for (const w of a.workgroups)
        if (w.output_location && parseS3Url(w.output_location).bucket === bucket) return a.account_id;
      for (const d of a.databases)
        for (const t of d.tables) if (parseS3Url(t.location).bucket === bucket) return a.account_id;
    }
    return undefined;
  }
}

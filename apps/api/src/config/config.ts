import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * Every environment variable the API reads, validated once at start.
 * `.env.example` documents each one; a test keeps the two in step.
 */
const DEV_JWT_SECRET = 'dev-only-jwt-secret-do-not-use-in-production-0000';
const DEV_ENCRYPTION_KEY = 'dev-only-encryption-key-do-not-use-in-production';

const int = (min: number, max: number) =>
  z.coerce
    .number({ message: `must be an integer between ${min} and ${max}` })
    .int({ message: `must be an integer between ${min} and ${max}` })
    .min(min, { message: `must be an integer between ${min} and ${max}` })
    .max(max, { message: `must be an integer between ${min} and ${max}` });

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(0, 65535).default(9000),
  HOST: z.string().min(1).default('0.0.0.0'),
  PUBLIC_URL: z.url({ message: 'must be an absolute URL such as https://costs.example.com' }).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z
    .string({ message: 'is required (postgres://user:password@host:5432/database)' })
    .regex(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// URL' }),
  DATABASE_APP_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// URL' })
    .optional(),
  DATABASE_POOL_MAX: int(1, 200).default(10),
  JWT_SECRET: z.string().min(32, { message: 'must be at least 32 characters' }).default(DEV_JWT_SECRET),
  JWT_ACCESS_TTL_SECONDS: int(60, 900).default(900),
  REFRESH_TOKEN_TTL_DAYS: int(1, 90).default(30),
  REFRESH_TOKEN_SESSION_MAX_DAYS: int(1, 365).default(30),
  CALLER_CACHE_TTL_SECONDS: int(0, 300).default(30),
  ENCRYPTION_KEY: z
    .string()
    .min(32, { message: 'must be at least 32 characters' })
    .default(DEV_ENCRYPTION_KEY),
  ENCRYPTION_KEY_PREVIOUS: z
    .string()
    .refine((v) => v.split(',').every((k) => k.trim().length >= 32), {
      message: 'must be a comma-separated list of former ENCRYPTION_KEY values (each >= 32 characters)',
    })
    .optional(),
  ADMIN_EMAIL: z.email({ message: 'must be an email address' }).optional(),
  ADMIN_PASSWORD: z.string().min(10, { message: 'must be at least 10 characters' }).optional(),
  CONSOLE_DIR: z.string().optional(),
  LOGIN_MAX_FAILURES_PER_ACCOUNT: int(1, 10000).default(10),
  LOGIN_MAX_ATTEMPTS_PER_IP: int(1, 100000).default(20),
  SIGNUP_MAX_PER_IP: int(1, 100000).default(20),
  SIGNUP_EMAIL_VERIFICATION: z
    .enum(['auto', 'on', 'off'], { message: "must be 'auto', 'on' or 'off'" })
    .default('auto'),
  RATE_LIMIT_WINDOW_SECONDS: int(1, 86400).default(900),
  TRUSTED_PROXIES: z
    .string()
    .refine((v) => parseTrustedProxies(v) !== null, {
      message:
        'must be a hop count (1-10) or a comma-separated list of proxy addresses/CIDRs such as 10.0.0.0/8,fd00::/8',
    })
    .optional(),
  BODY_LIMIT_BYTES: int(1024, 50 * 1024 * 1024).default(1024 * 1024),
  API_REPLICAS: int(1, 1000).default(1),
  RATE_LIMIT_TENANT_RPS: int(1, 1000000).default(20),
  RATE_LIMIT_TENANT_BURST: int(1, 1000000).default(100),
  RATE_LIMIT_IP_RPS: int(1, 1000000).default(50),
  RATE_LIMIT_IP_BURST: int(1, 1000000).default(200),
  TENANT_MAX_IN_FLIGHT: int(1, 10000).default(8),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^/]+/, { message: 'must be an smtp:// or smtps:// URL (smtp://user:pass@host:587)' })
    .optional(),
  SMTP_HOST: z.string().min(1).optional(),
  SMTP_PORT: int(1, 65535).optional(),
  SMTP_USER: z.string().min(1).optional(),
  SMTP_PASSWORD: z.string().min(1).optional(),
  SMTP_SECURE: z.enum(['true', 'false'], { message: "must be 'true' or 'false'" }).optional(),
  ALERT_EMAIL_FROM: z.string().min(3).optional(),
  ALERT_WEBHOOK_ALLOW_HOSTS: z.string().optional(),
  ALERT_WEBHOOK_PORTS: z
    .string()
    .regex(/^\s*\d{1,5}(\s*-\s*\d{1,5})?(\s*,\s*\d{1,5}(\s*-\s*\d{1,5})?)*\s*$/, {
      message: "must be ports and ranges, comma-separated, such as '443,80' or '443,8000-8999'",
    })
    .refine((v) => portRanges(v).every(([a, b]) => a >= 1 && b <= 65535 && a <= b), {
      message: 'ports must be 1-65535, ranges low-high',
    })
    .default('443,80'),
  ALERT_TEST_PER_HOUR: int(1, 1000).default(10),
  ALERT_CONFIRMATIONS_PER_DAY: int(1, 10000).default(100),
  ALERT_MAX_ATTEMPTS: int(1, 20).default(6),
  ALERT_RETRY_BASE_SECONDS: int(1, 86400).default(60),
  ALERT_WORKER_POLL_MS: int(100, 600000).default(2000),
  ALERT_SEND_TIMEOUT_MS: int(100, 120000).default(10000),
  ALERT_DIGEST_DAILY_CRON: z
    .string()
    .regex(/^(\S+\s+){4,5}\S+$/, { message: "must be a cron expression such as '0 8 * * *'" })
    .default('0 8 * * *'),
  ALERT_DIGEST_WEEKLY_CRON: z
    .string()
    .regex(/^(\S+\s+){4,5}\S+$/, { message: "must be a cron expression such as '0 8 * * 1'" })
    .default('0 8 * * 1'),
  PLATFORM_PRINCIPAL_ARN: z
    .string()
    .regex(/^arn:aws(-cn|-us-gov)?:(iam|sts)::\d{12}:[\w+=,.@/:-]+$/, {
      message: 'must be an IAM principal ARN',
    })
    .default('arn:aws:iam::000000000000:role/CostOptimizerPlatform'),
  CFN_TEMPLATE_URL: z
    .url({ message: 'must be an https URL of the template (an S3 URL for quick-create)' })
    .optional(),
  CFN_STACK_REGION: z
    .string()
    .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, { message: 'must be a region code' })
    .default('us-east-1'),
  AWS_MAX_ATTEMPTS: int(1, 20).default(5),
  AWS_S3_FORCE_PATH_STYLE: z
    .enum(['true', 'false'], { message: "must be 'true' or 'false'" })
    .default('false'),
  ATHENA_QUERY_TIMEOUT_SECONDS: int(5, 3600).default(300),
  CUR_BACKFILL_MONTHS: int(1, 24).optional(),
  CUR_NIGHTLY_MONTHS: int(1, 12).default(2),
  CUR_MAX_DISTINCT_VALUES: int(10, 100_000).default(2000),
  CUR_SYNC_CRON: z
    .string()
    .regex(/^(\S+\s+){4,5}\S+$/, { message: "must be a cron expression such as '0 2 * * *'" })
    .default('0 2 * * *'),
  CUR_SYNC_CONCURRENCY: int(1, 100).default(4),
  CUR_SYNC_MAX_ATTEMPTS: int(1, 10).default(3),
  CUR_SYNC_RETRY_DELAY_SECONDS: int(0, 86400).default(300),
  CUR_SYNC_STALE_SECONDS: int(1, 3600).default(60),
  CUR_WORKER_POLL_MS: int(100, 600000).default(2000),
  ANOMALY_SETTLE_DAYS: int(0, 14).default(2),
  ANOMALY_HISTORY_DAYS: int(28, 365).default(90),
  ANOMALY_MIN_IMPACT_USD: int(0, 1000000).default(10),
  ANOMALY_NEW_SERIES_FLOOR_USD: int(0, 1000000).default(10),
  ANOMALY_DETAIL_MIN_SHARE: z.coerce.number().min(0).max(1).default(0.01),
  ANOMALY_DETAIL_MIN_USD: z.coerce.number().min(0).max(1_000_000).default(50),
  ANOMALY_DETAIL_FLOOR_SHARE: z.coerce.number().min(0).max(1).default(0.002),
  ANOMALY_DETAIL_THRESHOLD: z.coerce.number().min(0.9).max(0.999999).default(0.998),
  ANOMALY_FEEDBACK_FACTOR: z.coerce
    .number({ message: 'must be a number between 1 and 100' })
    .min(1, { message: 'must be a number between 1 and 100' })
    .max(100, { message: 'must be a number between 1 and 100' })
    .default(2),
  METRICS_COLLECT_CRON: z
    .string()
    .regex(/^(\S+\s+){4,5}\S+$/, { message: "must be a cron expression such as '*/5 * * * *'" })
    .default('*/5 * * * *'),
  METRIC_WATCHES_MAX_PER_TENANT: int(1, 100000).default(1000),
  METRICS_QUERIES_PER_CALL: int(1, 500).default(500),
  METRICS_BACKFILL_HOURS: int(1, 24 * 14).default(24),
  METRICS_RETENTION_DAYS: int(1, 3650).default(35),
  METRICS_THROTTLE_RETRIES: int(0, 10).default(3),
  METRICS_TENANT_CONCURRENCY: int(1, 64).default(4),
  METRICS_LATE_DATA_SECONDS: int(0, 86400).default(600),
});

export type Env = z.infer<typeof EnvSchema>;

/**
 * TRUSTED_PROXIES: empty trusts no proxy; a number 1-10 trusts that many hops in front of the API (the client is
 * that many entries from the right of X-Forwarded-For); otherwise a list of addresses or CIDRs. Null when invalid.
 */
export function parseTrustedProxies(value: string): false | number | string[] | null {
  const v = value.trim();
  if (v === '') return false;
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    return n >= 1 && n <= 10 ? n : null;
  }
  const entries = v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  const valid = (entry: string) => {
    const [addr = '', bits, ...rest] = entry.split('/');
    const family = isIP(addr);
    if (family === 0 || rest.length > 0) return false;
    if (bits === undefined) return true;
    return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
  };
  return entries.length > 0 && entries.every(valid) ? entries : null;
}

export interface AppConfig {
  env: Env['NODE_ENV'];
  port: number;
  host: string;
  publicUrl: string;
  logLevel: Env['LOG_LEVEL'];
  /** The owner's URL: migrations, and creating the API's login role when DATABASE_APP_URL is not set. */
  databaseUrl: string;
  /**
   * The API's own login (row-level security applies to it); null: the API creates `cost_optimizer_api` through
   * DATABASE_URL and connects as it. See database/app-role.ts.
   */
  databaseAppUrl: string | null;
  databasePoolMax: number;
  /**
   * refreshTtlDays: each refresh token's lifetime; refreshSessionMaxDays: a login's absolute lifetime, however often
   * its tokens are rotated (no token outlives it).
   */
  jwt: { secret: string; accessTtlSeconds: number; refreshTtlDays: number; refreshSessionMaxDays: number };
  /** How long a replica may answer from its cache of callers (user, membership) without asking the database. */
  callerCacheTtlSeconds: number;
  encryptionKey: string;
  /** Former ENCRYPTION_KEY values: secrets sealed with them still open and are sealed again with the current key. */
  encryptionKeyPrevious: string[];
  admin: { email: string; password: string } | null;
  consoleDir: string | null;
  rateLimits: {
    loginFailuresPerAccount: number;
    loginAttemptsPerIp: number;
    signupsPerIp: number;
    windowSeconds: number;
  };
  /**
   * Sign-up verifies the email before any account exists (SIGNUP_EMAIL_VERIFICATION: `auto` = when the platform
   * sends email, i.e. SMTP and ALERT_EMAIL_FROM are set; `on` requires them; `off` signs in at once).
   */
  signupEmailVerification: boolean;
  bodyLimitBytes: number;
  /**
   * Which peers may set the client address through X-Forwarded-For (Fastify's `trustProxy`): false trusts none (the
   * socket's address is the client), a number trusts that many hops, a list trusts those addresses/CIDRs.
   */
  trustedProxies: false | number | string[];
  /** Per-request limits, enforced in each replica's memory: rates are divided by `replicas`. */
  requestLimits: {
    replicas: number;
    tenantPerSecond: number;
    tenantBurst: number;
    ipPerSecond: number;
    ipBurst: number;
    tenantMaxInFlight: number;
  };
  alerts: {
    /** nodemailer transport options, or null when SMTP is not configured. */
    smtp:
      string | { host: string; port: number; secure: boolean; auth?: { user: string; pass: string } } | null;
    emailFrom: string | null;
    /** Hosts reachable over http and on private addresses (ALERT_WEBHOOK_ALLOW_HOSTS), lower case. */
    allowHosts: string[];
    /** Ports Slack/webhook URLs may use, every host (ALERT_WEBHOOK_PORTS): inclusive ranges. */
    allowPorts: [number, number][];
    /** Test alerts per tenant per rolling hour (ALERT_TEST_PER_HOUR). */
    testsPerHour: number;
    /** Recipient confirmation emails per tenant per rolling day (ALERT_CONFIRMATIONS_PER_DAY). */
    confirmationsPerDay: number;
    /** NODE_ENV=development: http webhook URLs allowed (addresses still checked). */
    allowHttp: boolean;
    maxAttempts: number;
    retryBaseSeconds: number;
    pollMs: number;
    sendTimeoutMs: number;
    dailyCron: string;
    weeklyCron: string;
  };
  aws: {
    platformPrincipalArn: string;
    templateUrl: string;
    stackRegion: string;
    maxAttempts: number;
    s3ForcePathStyle: boolean;
    athenaQueryTimeoutMs: number;
  };
  cur: {
    /** Months of history (first sync, history horizon); null: 13 when the CUR has them, at least the 90 days before yesterday. */
    backfillMonths: number | null;
    nightlyMonths: number;
    /** Distinct values kept per month and dimension (account, service, region, usage type); the rest: "(other)". */
    maxDistinctValues: number;
    cron: string;
    concurrency: number;
    maxAttempts: number;
    retryDelaySeconds: number;
    staleSeconds: number;
    pollMs: number;
  };
  anomaly: {
    settleDays: number;
    historyDays: number;
    minImpactUsd: number;
    newSeriesFloorUsd: number;
    feedbackFactor: number;
    /** Usage-type series are watched when their mean daily cost is >= this share of the tenant's... */
    detailMinShare: number;
    /** ...or >= this many USD a day. */
    detailMinUsd: number;
    /** Fine series (service x account, usage types): per-day $ floor = max(min impact, this share of tenant spend). */
    detailFloorShare: number;
    /** Fine series: the calibrated score an anomaly needs (coarse series: the engine's default 0.995). */
    detailThreshold: number;
  };
  metrics: {
    cron: string;
    maxWatchesPerTenant: number;
    queriesPerCall: number;
    backfillHours: number;
    retentionDays: number;
    throttleRetries: number;
    tenantConcurrency: number;
    /** Trailing window re-read on each tick (late datapoints) and settle lag before points reach the detector. */
    lateDataSeconds: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Names of every variable `loadConfig` reads (for the .env.example test). */
/** '443,80,8000-8999' -> [[443,443],[80,80],[8000,8999]]. */
export function portRanges(v: string): [number, number][] {
  return v
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const [a, b] = p.split('-').map((x) => Number(x.trim()));
      return [a!, b ?? a!];
    });
}

export const CONFIG_VARIABLES = Object.keys(EnvSchema.shape);

export function loadConfig(source: Record<string, string | undefined> = process.env): AppConfig {
  // Empty strings count as unset, as in most .env tooling.
  const raw: Record<string, string> = {};
  for (const k of CONFIG_VARIABLES) {
    const v = source[k];
    if (v !== undefined && v !== '') raw[k] = v;
  }
  const parsed = EnvSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const key = String(i.path[0] ?? '?');
        const got =
          raw[key] === undefined
            ? 'not set'
            : `got '${key.includes('SECRET') || key.includes('PASSWORD') || key.includes('KEY') || key === 'SMTP_URL' ? '***' : raw[key]}'`;
        return `${key}: ${i.message} (${got})`;
      }),
    );
  }
  const e = parsed.data;
  const problems: string[] = [];
  if ((e.ADMIN_EMAIL === undefined) !== (e.ADMIN_PASSWORD === undefined)) {
    problems.push('ADMIN_EMAIL and ADMIN_PASSWORD: set both or neither');
  }
  if (e.NODE_ENV === 'production') {
    if (e.JWT_SECRET === DEV_JWT_SECRET)
      problems.push('JWT_SECRET: must be set to your own random value in production');
    if (e.ENCRYPTION_KEY === DEV_ENCRYPTION_KEY)
      problems.push('ENCRYPTION_KEY: must be set to your own random value in production');
    if (e.ADMIN_PASSWORD === undefined)
      problems.push(
        'ADMIN_PASSWORD: must be set in production (with ADMIN_EMAIL); the first platform administrator is created from it',
      );
    else if (e.ADMIN_PASSWORD.length < 12)
      problems.push('ADMIN_PASSWORD: must be at least 12 characters in production');
  }
  const sendsEmail =
    (e.SMTP_URL !== undefined || e.SMTP_HOST !== undefined) && e.ALERT_EMAIL_FROM !== undefined;
  if (e.SIGNUP_EMAIL_VERIFICATION === 'on' && !sendsEmail)
    problems.push(
      'SIGNUP_EMAIL_VERIFICATION: on needs email: set SMTP_URL (or SMTP_HOST...) and ALERT_EMAIL_FROM, or use auto/off',
    );
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.PUBLIC_URL ?? `http://localhost:${e.PORT}`,
    logLevel: e.LOG_LEVEL,
    databaseUrl: e.DATABASE_URL,
    databaseAppUrl: e.DATABASE_APP_URL ?? null,
    databasePoolMax: e.DATABASE_POOL_MAX,
    jwt: {
      secret: e.JWT_SECRET,
      accessTtlSeconds: e.JWT_ACCESS_TTL_SECONDS,
      refreshTtlDays: e.REFRESH_TOKEN_TTL_DAYS,
      refreshSessionMaxDays: e.REFRESH_TOKEN_SESSION_MAX_DAYS,
    },
    callerCacheTtlSeconds: e.CALLER_CACHE_TTL_SECONDS,
    encryptionKey: e.ENCRYPTION_KEY,
    encryptionKeyPrevious: (e.ENCRYPTION_KEY_PREVIOUS ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean),
    admin:
      e.ADMIN_EMAIL && e.ADMIN_PASSWORD
        ? { email: e.ADMIN_EMAIL.toLowerCase(), password: e.ADMIN_PASSWORD }
        : null,
    consoleDir: e.CONSOLE_DIR ?? null,
    rateLimits: {
      loginFailuresPerAccount: e.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      loginAttemptsPerIp: e.LOGIN_MAX_ATTEMPTS_PER_IP,
      signupsPerIp: e.SIGNUP_MAX_PER_IP,
      windowSeconds: e.RATE_LIMIT_WINDOW_SECONDS,
    },
    signupEmailVerification: e.SIGNUP_EMAIL_VERIFICATION !== 'off' && sendsEmail,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    trustedProxies: parseTrustedProxies(e.TRUSTED_PROXIES ?? '') ?? false,
    requestLimits: {
      replicas: e.API_REPLICAS,
      tenantPerSecond: e.RATE_LIMIT_TENANT_RPS,
      tenantBurst: e.RATE_LIMIT_TENANT_BURST,
      ipPerSecond: e.RATE_LIMIT_IP_RPS,
      ipBurst: e.RATE_LIMIT_IP_BURST,
      tenantMaxInFlight: e.TENANT_MAX_IN_FLIGHT,
    },
    alerts: {
      smtp:
        e.SMTP_URL ??
        (e.SMTP_HOST
          ? {
              host: e.SMTP_HOST,
              port: e.SMTP_PORT ?? (e.SMTP_SECURE === 'true' ? 465 : 587),
              secure: e.SMTP_SECURE === 'true',
              ...(e.SMTP_USER ? { auth: { user: e.SMTP_USER, pass: e.SMTP_PASSWORD ?? '' } } : {}),
            }
          : null),
      emailFrom: e.ALERT_EMAIL_FROM ?? null,
      allowHosts: (e.ALERT_WEBHOOK_ALLOW_HOSTS ?? '')
        .split(',')
        .map((h) =>
          h
            .trim()
            .toLowerCase()
            .replace(/^\[|\]$/g, ''),
        )
        .filter(Boolean),
      allowPorts: portRanges(e.ALERT_WEBHOOK_PORTS),
      testsPerHour: e.ALERT_TEST_PER_HOUR,
      confirmationsPerDay: e.ALERT_CONFIRMATIONS_PER_DAY,
      allowHttp: e.NODE_ENV === 'development',
      maxAttempts: e.ALERT_MAX_ATTEMPTS,
      retryBaseSeconds: e.ALERT_RETRY_BASE_SECONDS,
      pollMs: e.ALERT_WORKER_POLL_MS,
      sendTimeoutMs: e.ALERT_SEND_TIMEOUT_MS,
      dailyCron: e.ALERT_DIGEST_DAILY_CRON,
      weeklyCron: e.ALERT_DIGEST_WEEKLY_CRON,
    },
    aws: {
      platformPrincipalArn: e.PLATFORM_PRINCIPAL_ARN,
      templateUrl:
        e.CFN_TEMPLATE_URL ??
        `${e.PUBLIC_URL ?? `http://localhost:${e.PORT}`}/api/aws/cloudformation-template.yml`,
      stackRegion: e.CFN_STACK_REGION,
      maxAttempts: e.AWS_MAX_ATTEMPTS,
      s3ForcePathStyle: e.AWS_S3_FORCE_PATH_STYLE === 'true',
      athenaQueryTimeoutMs: e.ATHENA_QUERY_TIMEOUT_SECONDS * 1000,
    },
    cur: {
      backfillMonths: e.CUR_BACKFILL_MONTHS ?? null,
      nightlyMonths: e.CUR_NIGHTLY_MONTHS,
      maxDistinctValues: e.CUR_MAX_DISTINCT_VALUES,
      cron: e.CUR_SYNC_CRON,
      concurrency: e.CUR_SYNC_CONCURRENCY,
      maxAttempts: e.CUR_SYNC_MAX_ATTEMPTS,
      retryDelaySeconds: e.CUR_SYNC_RETRY_DELAY_SECONDS,
      staleSeconds: e.CUR_SYNC_STALE_SECONDS,
      pollMs: e.CUR_WORKER_POLL_MS,
    },
    anomaly: {
      settleDays: e.ANOMALY_SETTLE_DAYS,
      historyDays: e.ANOMALY_HISTORY_DAYS,
      minImpactUsd: e.ANOMALY_MIN_IMPACT_USD,
      newSeriesFloorUsd: e.ANOMALY_NEW_SERIES_FLOOR_USD,
      feedbackFactor: e.ANOMALY_FEEDBACK_FACTOR,
      detailMinShare: e.ANOMALY_DETAIL_MIN_SHARE,
      detailMinUsd: e.ANOMALY_DETAIL_MIN_USD,
      detailFloorShare: e.ANOMALY_DETAIL_FLOOR_SHARE,
      detailThreshold: e.ANOMALY_DETAIL_THRESHOLD,
    },
    metrics: {
      cron: e.METRICS_COLLECT_CRON,
      maxWatchesPerTenant: e.METRIC_WATCHES_MAX_PER_TENANT,
      queriesPerCall: e.METRICS_QUERIES_PER_CALL,
      backfillHours: e.METRICS_BACKFILL_HOURS,
      retentionDays: e.METRICS_RETENTION_DAYS,
      throttleRetries: e.METRICS_THROTTLE_RETRIES,
      tenantConcurrency: e.METRICS_TENANT_CONCURRENCY,
      lateDataSeconds: e.METRICS_LATE_DATA_SECONDS,
    },
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');

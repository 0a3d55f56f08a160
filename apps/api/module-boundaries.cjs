// The API's module boundaries, declared once: which files of a module others may import (its public entry), and
// which tables it owns. eslint.config.mjs turns `modules` into import rules; apps/api/test/module-boundaries.spec.ts
// checks that no module's SQL names a table another module owns, and that both checks bite.
//
// A module is a folder of apps/api/src. Another folder (shared code: common/, config/, database/, aws/, openapi/,
// and the files at the root of src/) owns no table and is not a module; it too imports modules only through their
// public files. A module's own files import each other freely.

/**
 * Per module: `public`, the files another folder may import (the Nest module, and the services and types it offers);
 * `tables`, the tables only its code may name in SQL (a table's partitions are named `<table>_<suffix>`).
 * Lists marked "until #22 events" are the setter hooks the typed domain events of #22 replace.
 */
const modules = {
  abuse: { public: ['request-limits.ts'], tables: [] },
  alerts: {
    // alert-transport: the sign-up notice (auth) sends its mail through the alert transport
    public: ['alerts.module.ts', 'alert-transport.ts'],
    tables: ['alert_subscription', 'alert_delivery', 'alert_event', 'alert_recipient', 'alert_send_log'],
  },
  anomaly: {
    public: [
      'anomaly.module.ts',
      'anomaly.service.ts',
      'anomaly.entity.ts', // AnomalyExplanation and the kinds (types)
      'anomaly-episodes.ts', // the owner of anomaly rows: metric detection records its episodes through it
    ],
    tables: ['anomaly', 'anomaly_monitor', 'anomaly_series_state'],
  },
  audit: { public: ['audit.module.ts', 'audit.service.ts'], tables: ['audit_event'] },
  auth: {
    // jwt.strategy: the access-token check of the guards in common/
    public: ['auth.module.ts', 'auth.service.ts', 'jwt.strategy.ts'],
    tables: ['refresh_token', 'rate_limit_bucket', 'pending_signup'],
  },
  'aws-connection': { public: ['index.ts', 'aws-connection.module.ts'], tables: ['aws_connection'] },
  cur: {
    public: ['cur.module.ts'],
    tables: [
      'sync_run',
      'cost_daily',
      'cost_rollup_daily',
      'cost_rollup_monthly',
      'cost_data_version',
      'cur_month_source',
    ],
  },
  health: { public: ['health.controller.ts'], tables: [] },
  metrics: {
    public: [
      'metrics.module.ts',
      'metric-links.module.ts', // the read-only metric data of anomaly details (no cycle with the anomaly module)
      'metric-links.ts',
      'metric-logic.ts', // the anomaly module's metric series helpers
      'metric-watch.entity.ts', // MetricWatch (related metrics of a cost anomaly)
    ],
    tables: ['metric_watch', 'metric_point', 'metric_collection_run'],
  },
  tenants: {
    // tenant.entity: the relation target of every tenant-owned entity; invitation.entity: a sign-up through an
    // invitation link (auth) joins the inviting tenant and uses the invitation up
    public: ['tenants.module.ts', 'tenants.service.ts', 'tenant.entity.ts', 'invitation.entity.ts'],
    tables: ['tenant', 'app_user', 'membership', 'invitation'],
  },
};

/** Files (relative to apps/api/src) the import rule leaves out, each with its reason. */
const importExceptions = [
  { file: 'database/entities.ts', why: "the ORM's entity registry lists every module's entities" },
];

/**
 * Where a module's SQL names another module's table today, each with its reason. The spec fails on any reference
 * not listed here, and on a listed one that is gone (so the list only shrinks).
 */
const sqlExceptions = [
  {
    file: 'alerts/alerts.repository.ts',
    tables: ['anomaly', 'anomaly_monitor', 'metric_watch'],
    why: 'subscriptions check the monitors and watches they name, and read the anomalies they deliver',
  },
  {
    file: 'anomaly/anomaly.detector.ts',
    tables: ['cost_daily'],
    why: 'detection reads the cost series it judges',
  },
  {
    file: 'auth/auth.service.ts',
    tables: ['app_user', 'membership', 'tenant'],
    why: 'sign-up and login create and read the identity tables the tenants module owns',
  },
  {
    file: 'aws-connection/aws-connection.service.ts',
    tables: ['tenant'],
    why: "the External ID is a column of the tenant's row, generated on first use",
  },
  {
    file: 'cur/costs.service.ts',
    tables: ['anomaly', 'tenant'],
    why: "the dashboard's one-statement read: open anomalies and the tenant's default measure",
  },
  {
    file: 'metrics/metrics.repository.ts',
    tables: ['anomaly'],
    why: 'anomaly counts per watch in the watch list',
  },
  {
    file: 'tenants/tenants.service.ts',
    tables: ['refresh_token'],
    why: "removing or disabling a member revokes their refresh tokens (auth's table)",
  },
];

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The regular expression matching an import of `name`'s files other than its public ones. */
function internalsPattern(name) {
  const open = modules[name].public.map((f) => escape(f.replace(/\.ts$/, ''))).join('|');
  return `^\\.{1,2}/(?:.*/)?${escape(name)}/(?!(?:${open})$).+$`;
}

/** The `no-restricted-imports` patterns for a file of `folder` (a module's or shared code's). */
function importPatterns(folder) {
  return Object.keys(modules)
    .filter((m) => m !== folder)
    .map((m) => ({
      regex: internalsPattern(m),
      message: `Import the ${m} module only through its public files (${modules[m].public.join(', ')}): see apps/api/module-boundaries.cjs.`,
    }));
}

module.exports = { modules, importExceptions, sqlExceptions, internalsPattern, importPatterns };

import { Migration20261203084733AnomalyKinds } from './Migration20261203084733_anomaly_kinds';
import { Migration20261203092037SyncRunBackfill } from './Migration20261203092037_sync_run_backfill';
import { Migration20261203101500CallerVersionUnderReadOnlyUsers } from './Migration20261203101500_caller_version_under_read_only_users';
import { Migration20261203121700CurMonthSource } from './Migration20261203121700_cur_month_source';
import { Migration20261203124500CostDailyPartitions } from './Migration20261203124500_cost_daily_partitions';
import { Migration20261203094843CallerAuthVersion } from './Migration20261203094843_caller_auth_version';
import { Migration20261125000500CostRollup } from './Migration20261125000500_cost_rollup';
import { Migration20261125010000Alerts } from './Migration20261125010000_alerts';
import { Migration20261124230301Anomaly } from './Migration20261124230301_anomaly';
import { Migration20261124223051CurSync } from './Migration20261124223051_cur_sync';
import { Migration20261124222553TenantDefaultMeasure } from './Migration20261124222553_tenant_default_measure';
import { Migration20261124220417AwsConnection } from './Migration20261124220417_aws_connection';
import { Migration20261124000000Init } from './Migration20261124000000_init';
import { Migration20261125020000Metrics } from './Migration20261125020000_metrics';
import { Migration20261125030000Audit } from './Migration20261125030000_audit';
import { Migration20261125050000AlertsMetric } from './Migration20261125050000_alerts_metric';
import { Migration20261125040000MetricsLateData } from './Migration20261125040000_metrics_late_data';
import { Migration20261125060000RowLevelSecurity } from './Migration20261125060000_row_level_security';
import { Migration20261203090000GlobalTablesReadOnly } from './Migration20261203090000_global_tables_read_only';
import { Migration20261203091000RefreshSessionEnd } from './Migration20261203091000_refresh_session_end';
import { Migration20261203124500AlertRecipients } from './Migration20261203124500_alert_recipients';
import { Migration20261203125000Invitations } from './Migration20261203125000_invitations';
import { Migration20261204100000CostRollupMonthly } from './Migration20261204100000_cost_rollup_monthly';
import { Migration20261204130000SignupVerification } from './Migration20261204130000_signup_verification';

/** Applied in order at start; never edit one that has shipped — add a new one. */
export const MIGRATIONS = [
  { name: 'Migration20261124000000_init', class: Migration20261124000000Init },
  { name: 'Migration20261124220417_aws_connection', class: Migration20261124220417AwsConnection },
  {
    name: 'Migration20261124222553_tenant_default_measure',
    class: Migration20261124222553TenantDefaultMeasure,
  },
  { name: 'Migration20261124223051_cur_sync', class: Migration20261124223051CurSync },
  { name: 'Migration20261124230301_anomaly', class: Migration20261124230301Anomaly },
  { name: 'Migration20261125000500_cost_rollup', class: Migration20261125000500CostRollup },
  { name: 'Migration20261125010000_alerts', class: Migration20261125010000Alerts },
  { name: 'Migration20261125020000_metrics', class: Migration20261125020000Metrics },
  { name: 'Migration20261125030000_audit', class: Migration20261125030000Audit },
  { name: 'Migration20261125040000_metrics_late_data', class: Migration20261125040000MetricsLateData },
  { name: 'Migration20261125050000_alerts_metric', class: Migration20261125050000AlertsMetric },
  { name: 'Migration20261125060000_row_level_security', class: Migration20261125060000RowLevelSecurity },
  { name: 'Migration20261203084733_anomaly_kinds', class: Migration20261203084733AnomalyKinds },
  {
    name: 'Migration20261203090000_global_tables_read_only',
    class: Migration20261203090000GlobalTablesReadOnly,
  },
  { name: 'Migration20261203091000_refresh_session_end', class: Migration20261203091000RefreshSessionEnd },
  { name: 'Migration20261203092037_sync_run_backfill', class: Migration20261203092037SyncRunBackfill },
  { name: 'Migration20261203094843_caller_auth_version', class: Migration20261203094843CallerAuthVersion },
  {
    name: 'Migration20261203101500_caller_version_under_read_only_users',
    class: Migration20261203101500CallerVersionUnderReadOnlyUsers,
  },
  { name: 'Migration20261203121700_cur_month_source', class: Migration20261203121700CurMonthSource },
  { name: 'Migration20261203124500_alert_recipients', class: Migration20261203124500AlertRecipients },
  {
    name: 'Migration20261203124500_cost_daily_partitions',
    class: Migration20261203124500CostDailyPartitions,
  },
  { name: 'Migration20261203125000_invitations', class: Migration20261203125000Invitations },
  { name: 'Migration20261204100000_cost_rollup_monthly', class: Migration20261204100000CostRollupMonthly },
  {
    name: 'Migration20261204130000_signup_verification',
    class: Migration20261204130000SignupVerification,
  },
];

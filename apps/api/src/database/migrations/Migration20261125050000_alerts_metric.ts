import { Migration } from '@mikro-orm/migrations';

/**
 * Alert subscriptions cover CloudWatch metric anomaly episodes: `include_metric_anomalies` and `metric_watch_ids`
 * (empty = every watch). Both have defaults, so a replica of the previous release keeps inserting subscriptions
 * during a rolling upgrade. Existing subscriptions narrowed to some monitors were a choice of specific cost series:
 * they keep hearing only about those (false); subscriptions to all monitors now hear about metric episodes too.
 */
export class Migration20261125050000AlertsMetric extends Migration {
  override up(): void {
    this.addSql(
      'alter table "alert_subscription" add column "include_metric_anomalies" boolean not null default true, add column "metric_watch_ids" jsonb not null default \'[]\'',
    );
    this.addSql(
      'update "alert_subscription" set "include_metric_anomalies" = false where jsonb_array_length("monitor_ids") > 0',
    );
  }
}

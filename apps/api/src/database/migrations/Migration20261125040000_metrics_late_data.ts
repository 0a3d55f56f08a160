import { Migration } from '@mikro-orm/migrations';

/**
 * Metric collection re-reads a trailing window every tick and upserts it, so `metric_point` takes hundreds of
 * thousands of rows per tick. Its foreign key cost one RI trigger (a row lock on `metric_watch`) per inserted row,
 * about half of the insert time. The collector inserts only points of existing watches (it holds a key-share
 * lock on them and joins them in the insert), and deleting a watch (directly or through its tenant) deletes its
 * points with a trigger instead.
 */
export class Migration20261125040000MetricsLateData extends Migration {
  override up(): void {
    this.addSql('alter table "metric_point" drop constraint if exists "metric_point_watch_id_fkey"');
    // Declared on MetricWatchSchema (`triggers`), in the form the ORM generates, so the schema diff stays empty.
    this.addSql(
      'create or replace function "metric_watch_metric_watch_delete_points_fn"() returns trigger as $$ begin delete from metric_point where watch_id = old.id; return null; end; $$ language plpgsql',
    );
    this.addSql(
      'create trigger "metric_watch_delete_points" after delete on "metric_watch" for each row execute function "metric_watch_metric_watch_delete_points_fn"()',
    );
  }
}

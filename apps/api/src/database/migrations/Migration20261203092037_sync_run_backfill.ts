import { Migration } from '@mikro-orm/migrations';

export class Migration20261203092037SyncRunBackfill extends Migration {
  override up(): void {
    this.addSql(
      'alter table "sync_run" add "mode" text not null default \'months\', add "month_stats" jsonb not null default \'[]\'',
    );
    this.addSql(
      'alter table "sync_run" add constraint "sync_run_mode_check" check ("mode" in (\'months\', \'backfill\', \'history\'))',
    );
  }
}

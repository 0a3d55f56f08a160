import { Migration } from '@mikro-orm/migrations';
import { PLATFORM_ROLE, TENANT_ROLE, TENANT_SETTING } from '../db-roles.constants';

/**
 * What the CUR's files of a billing month looked like when the month was last loaded (a hash of its S3 objects'
 * keys, ETags and sizes): the nightly sync re-reads a closed month whose files changed since (AWS restated it).
 * Read and written with SQL by the sync (no ORM entity); one tenant's rows, under row-level security.
 */
export class Migration20261203121700CurMonthSource extends Migration {
  override up(): void {
    this.addSql(`create table "cur_month_source" (
      "tenant_id" uuid not null references "tenant" ("id") on delete cascade,
      "month" varchar(7) not null,
      "fingerprint" varchar(64) not null,
      "objects" integer not null,
      "checked_at" timestamptz not null default now(),
      primary key ("tenant_id", "month"))`);
    const tenant = `nullif(current_setting('${TENANT_SETTING}', true), '')::uuid`;
    this.addSql('alter table "cur_month_source" enable row level security');
    this.addSql('alter table "cur_month_source" force row level security');
    this.addSql(
      `create policy "tenant_isolation" on "cur_month_source" for all to "${TENANT_ROLE}" using ("tenant_id" = ${tenant}) with check ("tenant_id" = ${tenant})`,
    );
    this.addSql(
      `create policy "platform_access" on "cur_month_source" for all to "${PLATFORM_ROLE}" using (true) with check (true)`,
    );
    this.addSql(
      `grant select, insert, update, delete on table "cur_month_source" to "${TENANT_ROLE}", "${PLATFORM_ROLE}"`,
    );
  }
}

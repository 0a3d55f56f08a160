import { Migration } from '@mikro-orm/migrations';

export class Migration20261124222553TenantDefaultMeasure extends Migration {
  override up(): void {
    this.addSql('alter table "tenant" add "default_measure" text not null default \'net_amortized\'');
    this.addSql(
      "alter table \"tenant\" add constraint \"tenant_default_measure_check\" check (\"default_measure\" in ('unblended', 'net_unblended', 'amortized', 'net_amortized'))",
    );
  }
}

import { Migration } from '@mikro-orm/migrations';

export class Migration20261124220417AwsConnection extends Migration {
  override up(): void {
    this.addSql(
      'create table "aws_connection" ("id" uuid not null, "tenant_id" uuid not null, "status" text not null, "role_arn" varchar(2048) null, "region" varchar(32) null, "athena_db" varchar(255) null, "athena_table" varchar(255) null, "athena_workgroup" varchar(128) null, "cur_bucket" varchar(63) null, "cur_prefix" varchar(1024) null, "results_bucket" varchar(63) null, "results_prefix" varchar(1024) null, "cur_format" text null, "partition_keys" jsonb null, "columns" jsonb null, "managed_results" boolean null, "last_verified_at" timestamptz null, "data_through" varchar(10) null, "last_error" jsonb null, "steps" jsonb null, "progress" jsonb null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"))',
    );
    this.addSql(
      'alter table "aws_connection" add constraint "aws_connection_tenant_id_unique" unique ("tenant_id")',
    );
    this.addSql('alter table "tenant" add "external_id" varchar(64) null');
    this.addSql('alter table "tenant" add constraint "tenant_external_id_unique" unique ("external_id")');
    this.addSql(
      'alter table "aws_connection" add constraint "aws_connection_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade',
    );
    this.addSql(
      "alter table \"aws_connection\" add constraint \"aws_connection_status_check\" check (\"status\" in ('not_connected', 'verifying', 'connected', 'pending_data', 'error'))",
    );
    this.addSql(
      'alter table "aws_connection" add constraint "aws_connection_cur_format_check" check ("cur_format" in (\'legacy\', \'cur2\', \'focus\'))',
    );
  }
}

import { Migration } from '@mikro-orm/migrations';

/**
 * Refresh-token families get an absolute end (REFRESH_TOKEN_SESSION_MAX_DAYS after the login), copied to every
 * rotated token. Sessions open at upgrade end when their current token expires.
 */
export class Migration20261203091000RefreshSessionEnd extends Migration {
  override up(): void {
    this.addSql('alter table "refresh_token" add column "session_expires_at" timestamptz null');
    this.addSql('update "refresh_token" set "session_expires_at" = "expires_at"');
    this.addSql('alter table "refresh_token" alter column "session_expires_at" set not null');
  }
}

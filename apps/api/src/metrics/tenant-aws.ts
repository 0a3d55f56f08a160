import { Injectable } from '@nestjs/common';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { AwsClients, type RoleCredentials } from '../aws/aws-clients';
import { inScope, tenantSession } from '../database/db-scope';
import { MetricPointStore } from './metric-point-store';
import { assumeRoleFailed, notConnected } from './metrics.errors';

export interface TenantConnection {
  roleArn: string;
  region: string;
  externalId: string | null;
}

/** CloudWatch clients acting in a tenant's account through its role (AssumeRole with the tenant's External ID). */
@Injectable()
export class TenantAws {
  constructor(
    private readonly aws: AwsClients,
    private readonly store: MetricPointStore,
  ) {}

  /** The tenant's working connection, or null when AWS is not connected (read in the tenant's scope). */
  async connection(tenantId: string): Promise<TenantConnection | null> {
    const res = await inScope(this.store.pool, tenantSession(tenantId), (client) =>
      client.query<{ role_arn: string; region: string; external_id: string | null }>(
        `select c.role_arn, c.region, t.external_id from aws_connection c join tenant t on t.id = c.tenant_id
          where c.tenant_id = $1 and c.status in ('connected', 'pending_data') and c.role_arn is not null`,
        [tenantId],
      ),
    );
    const r = res.rows[0];
    return r ? { roleArn: r.role_arn, region: r.region, externalId: r.external_id } : null;
  }

  async requireConnection(tenantId: string): Promise<TenantConnection> {
    const c = await this.connection(tenantId);
    if (!c) throw notConnected();
    return c;
  }

  /** A session for one piece of work: credentials refreshed before they expire, one client per region. */
  session(tenantId: string, conn: TenantConnection, purpose: string): CloudWatchSession {
    return new CloudWatchSession(this.aws, tenantId, conn, purpose);
  }
}

export class CloudWatchSession {
  private creds: RoleCredentials | null = null;
  private readonly clients = new Map<string, CloudWatchClient>();

  constructor(
    private readonly aws: AwsClients,
    private readonly tenantId: string,
    private readonly conn: TenantConnection,
    private readonly purpose: string,
  ) {}

  async client(region: string): Promise<CloudWatchClient> {
    if (!this.creds || this.creds.expiration.getTime() - Date.now() < 5 * 60_000) {
      try {
        this.creds = await this.aws.assumeRole({
          region: this.conn.region,
          roleArn: this.conn.roleArn,
          externalId: this.conn.externalId,
          tenantId: this.tenantId,
          purpose: this.purpose,
        });
      } catch (e) {
        throw assumeRoleFailed(e);
      }
      this.close();
    }
    let c = this.clients.get(region);
    if (!c) {
      c = this.aws.cloudwatch(region, this.creds);
      this.clients.set(region, c);
    }
    return c;
  }

  close(): void {
    for (const c of this.clients.values()) c.destroy();
    this.clients.clear();
  }
}

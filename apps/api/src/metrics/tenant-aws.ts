import { Injectable } from '@nestjs/common';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { AwsClients } from '../aws/aws-clients';
import {
  AwsAccessService,
  type ActiveConnection,
  type CredentialPurpose,
  type CredentialsProvider,
} from '../aws-connection';

/** CloudWatch clients acting in a tenant's account through its role (the aws-connection module's credentials). */
@Injectable()
export class TenantAws {
  constructor(
    private readonly aws: AwsClients,
    private readonly connections: AwsAccessService,
  ) {}

  /** The tenant's working connection, or null when AWS is not connected (read in the caller's tenant scope). */
  connection(tenantId: string): Promise<ActiveConnection | null> {
    return this.connections.activeConnection(tenantId);
  }

  /** Every tenant with a working connection (cross-tenant: platform scope, ids only). */
  activeTenantIds(): Promise<string[]> {
    return this.connections.activeTenantIds();
  }

  /** The tenant's working connection, or the one NOT_CONNECTED error. */
  requireConnection(tenantId: string): Promise<ActiveConnection> {
    return this.connections.requireActive(tenantId);
  }

  /** A session for one piece of work: credentials refreshed before they expire, one client per region. */
  session(_tenantId: string, conn: ActiveConnection, purpose: CredentialPurpose): CloudWatchSession {
    return new CloudWatchSession(this.aws, this.connections.credentials(conn, purpose));
  }
}

export class CloudWatchSession {
  private readonly clients = new Map<string, CloudWatchClient>();

  constructor(
    private readonly aws: AwsClients,
    private readonly credentials: CredentialsProvider,
  ) {}

  /** A client of the region; throws AssumeRoleFailed (422 ASSUME_ROLE_FAILED) when the role cannot be assumed. */
  async client(region: string): Promise<CloudWatchClient> {
    await this.credentials();
    let c = this.clients.get(region);
    if (!c) {
      c = this.aws.cloudwatch(region, this.credentials);
      this.clients.set(region, c);
    }
    return c;
  }

  close(): void {
    for (const c of this.clients.values()) c.destroy();
    this.clients.clear();
  }
}

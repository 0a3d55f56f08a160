import { Injectable, Logger } from '@nestjs/common';
import { EntityManager, LockMode } from '@mikro-orm/postgresql';
import { AuditService } from '../audit/audit.service';
import { platformEm } from '../database/db-scope';
import { AwsConnectionSchema, type AwsConnection } from './aws-connection.entity';
import { ACTIVE_STATUSES, isActiveStatus, notConnected, type ActiveStatus } from './aws-connection.errors';
import { resultsLocation, type CurAthenaTarget } from './athena-target';
import {
  RoleCredentialsFactory,
  type CredentialPurpose,
  type CredentialsProvider,
  type RoleRef,
} from './role-credentials';

/** A tenant's verified AWS connection, as the modules that work through it see it. */
export interface ActiveConnection {
  tenantId: string;
  status: ActiveStatus;
  /** The connection's region (its CUR table's and its STS calls'). */
  region: string;
  /** The role to assume (with the tenant's External ID); its region is the connection's. */
  role: RoleRef;
  /** Where the CUR is queried; null until a verification read the table. */
  athena: CurAthenaTarget | null;
}

/**
 * What the other modules use of a tenant's AWS connection: whether it is active, credentials for one purpose, the
 * Athena target, the one NOT_CONNECTED error, and the two facts a sync reports back (data through a day, the role
 * refused). No other module reads or writes `aws_connection`. Tenant-facing methods run in the caller's
 * row-level-security scope; activeTenantIds() is the one cross-tenant read (platform scope, ids only).
 */
@Injectable()
export class AwsAccessService {
  private readonly logger = new Logger('AwsConnection');

  constructor(
    private readonly em: EntityManager,
    private readonly credentialsFactory: RoleCredentialsFactory,
    private readonly audit: AuditService,
  ) {}

  /** The tenant's connection when it is active (connected, or verified and waiting for CUR data), else null. */
  async activeConnection(tenantId: string): Promise<ActiveConnection | null> {
    const row = await this.em
      .fork()
      .findOne(AwsConnectionSchema, { tenant: tenantId }, { populate: ['tenant'] });
    return row ? activeOf(tenantId, row) : null;
  }

  /** The tenant's active connection, or the one NOT_CONNECTED error (naming a broken connection's failing step). */
  async requireActive(tenantId: string): Promise<ActiveConnection> {
    const row = await this.em
      .fork()
      .findOne(AwsConnectionSchema, { tenant: tenantId }, { populate: ['tenant'] });
    const active = row ? activeOf(tenantId, row) : null;
    if (!active) throw notConnected(row);
    return active;
  }

  /** Every tenant with an active connection, in id order (cross-tenant: platform scope, ids only). */
  async activeTenantIds(): Promise<string[]> {
    const rows: { tenant_id: string }[] = await platformEm(this.em).execute(
      `select tenant_id from aws_connection where status in (?, ?) and role_arn is not null order by tenant_id`,
      [...ACTIVE_STATUSES],
    );
    return rows.map((r) => r.tenant_id);
  }

  /**
   * Credentials of the tenant's role for one purpose, refreshed before expiry. For a purpose whose denial breaks the
   * connection (a CUR sync), AWS refusing the role marks the connection broken (markBroken) before the error.
   */
  credentials(conn: ActiveConnection, purpose: CredentialPurpose): CredentialsProvider {
    return this.credentialsFactory.provider(conn.role, purpose, (e) =>
      this.markBroken(conn.tenantId, e.awsError),
    );
  }

  /** CUR data arrived through `day`: data_through advances, and a `pending_data` connection becomes `connected`. */
  async advanceDataThrough(tenantId: string, day: string): Promise<void> {
    await this.em.fork().execute(
      `update aws_connection set data_through = greatest(coalesce(data_through, ''), ?),
           status = case when status = 'pending_data' then 'connected' else status end where tenant_id = ?`,
      [day, tenantId],
    );
  }

  /**
   * A sync could not assume the role with AccessDenied (the role was deleted, or no longer trusts us or our
   * External ID): the connection turns `error` with the step and AWS's own text, and one audit event says so.
   * Only a working connection changes: later failures find it broken already and record nothing more. Cost data is
   * never touched; a successful re-verify (POST /api/tenants/connection/verify) makes it `connected` again.
   */
  async markBroken(tenantId: string, awsError: string | null): Promise<boolean> {
    const em = this.em.fork();
    return em.transactional(async (tx) => {
      const row = await tx.findOne(
        AwsConnectionSchema,
        { tenant: tenantId },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!row || !isActiveStatus(row.status)) return false;
      const was = row.status;
      row.status = 'error';
      row.last_error = {
        code: 'ASSUME_ROLE_FAILED',
        message: 'Cannot AssumeRole: the CUR sync was refused access to your role',
        step: 'assume_role',
        hints: [
          `Check the role ${row.role_arn ?? ''} still exists (the stack was not deleted)`,
          "Check the role's trust policy still allows the platform principal with your External ID",
          'Then verify the connection again (POST /api/tenants/connection/verify)',
        ],
        aws_error: awsError,
        at: new Date().toISOString(),
      };
      await this.audit.record(
        {
          tenantId,
          action: 'aws.verification_failed',
          actor: { userId: null, email: null },
          target: { type: 'aws_account', id: row.role_arn ?? null },
          details: {
            request: 'sync',
            code: 'ASSUME_ROLE_FAILED',
            step: 'assume_role',
            previous_status: was,
            status: 'error',
          },
        },
        tx,
      );
      await tx.flush();
      this.logger.warn({ msg: 'aws connection broken', tenant_id: tenantId, aws_error: awsError });
      return true;
    });
  }
}

function activeOf(tenantId: string, c: AwsConnection): ActiveConnection | null {
  if (!isActiveStatus(c.status) || !c.role_arn || !c.region) return null;
  return {
    tenantId,
    status: c.status,
    region: c.region,
    role: { tenantId, roleArn: c.role_arn, region: c.region, externalId: c.tenant.external_id ?? null },
    athena: athenaTargetOf(c),
  };
}

/** The Athena target of a saved connection (the same rule verify applied: see resultsLocation()). */
export function athenaTargetOf(c: AwsConnection): CurAthenaTarget | null {
  if (!c.cur_format) return null;
  const managedResults = c.managed_results === true;
  return {
    workgroup: c.athena_workgroup ?? 'primary',
    outputLocation: resultsLocation({
      managedResults,
      resultsBucket: c.results_bucket,
      resultsPrefix: c.results_prefix,
    }),
    managedResults,
    database: c.athena_db ?? '',
    table: c.athena_table ?? '',
    format: c.cur_format,
    columns: c.columns ?? [],
    partitionKeys: c.partition_keys ?? [],
  };
}

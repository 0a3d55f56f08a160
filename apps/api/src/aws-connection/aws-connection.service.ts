import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager, LockMode } from '@mikro-orm/postgresql';
import type { ConnectAws, Connection, VerifyStep } from '@cost-optimizer/dto';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { AppError, notFound } from '../common/errors';
import { AuditService } from '../audit/audit.service';
import { DomainEvents } from '../events/domain-events';
import { TenantSchema } from '../tenants/tenant.entity';
import { AwsConnectionSchema, type AwsConnection } from './aws-connection.entity';
import { isActiveStatus, notConnected } from './aws-connection.errors';
import { settingsOf, toConnectionDto } from './aws-connection.mapper';
import { ConnectionVerifier, type ConnectSettings, type VerifyFailed, type VerifyOk } from './verifier';

export interface ConnectResult extends Connection {
  saved: boolean;
}

@Injectable()
export class AwsConnectionService {
  private readonly logger = new Logger('AwsConnection');

  constructor(
    private readonly em: EntityManager,
    private readonly verifier: ConnectionVerifier,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly events: DomainEvents,
  ) {}

  async get(tenantId: string): Promise<Connection> {
    const externalId = await this.externalId(tenantId);
    const conn = await this.em.fork().findOne(AwsConnectionSchema, { tenant: tenantId });
    return toConnectionDto(conn, externalId, this.config);
  }

  async connect(tenantId: string, body: ConnectAws): Promise<Connection> {
    const externalId = await this.externalId(tenantId);
    if (body.external_id !== externalId) {
      throw new AppError(400, 'VALIDATION_FAILED', "external_id is not your tenant's External ID", [
        {
          field: 'external_id',
          message: `Use the External ID shown on the Connect AWS page (GET /api/tenants/connection): ${externalId}`,
        },
      ]);
    }
    const { external_id: _ignored, ...settings } = body;
    await this.startProgress(tenantId);
    const result = await this.guard(tenantId, () =>
      this.verifier.verify(tenantId, externalId, settings, (steps) => this.progress(tenantId, steps)),
    );
    return this.record(tenantId, externalId, settings, result, 'connect');
  }

  async reverify(tenantId: string): Promise<Connection> {
    const externalId = await this.externalId(tenantId);
    const conn = await this.em.fork().findOne(AwsConnectionSchema, { tenant: tenantId });
    // Nothing to verify without saved settings (a broken connection is verified again).
    if (!conn || conn.status === 'not_connected' || !conn.role_arn) throw notConnected();
    await this.startProgress(tenantId);
    const result = await this.guard(tenantId, () =>
      this.verifier.verify(tenantId, externalId, settingsOf(conn), (steps) => this.progress(tenantId, steps)),
    );
    return this.record(tenantId, externalId, settingsOf(conn), result, 'verify');
  }

  async disconnect(tenantId: string): Promise<void> {
    const em = this.em.fork();
    const conn = await em.findOne(AwsConnectionSchema, { tenant: tenantId });
    if (!conn) return;
    const was = conn.status;
    conn.status = 'not_connected';
    conn.last_error = null;
    conn.steps = [];
    if (was !== 'not_connected') {
      await this.audit.record(
        {
          tenantId,
          action: 'aws.disconnected',
          target: { type: 'aws_account', id: conn.role_arn ?? null },
          details: { previous_status: was },
        },
        em,
      );
    }
    await em.flush();
    this.logger.log({ msg: 'aws disconnected', tenant_id: tenantId });
  }

  /** Marks a verification as running (a first connection shows status `verifying`). */
  private async startProgress(tenantId: string): Promise<void> {
    await this.em.fork().execute(
      `insert into aws_connection (id, tenant_id, status, progress, created_at, updated_at)
         values (gen_random_uuid(), ?, 'verifying', '[]', now(), now())
         on conflict (tenant_id) do update set progress = '[]', updated_at = now()`,
      [tenantId],
    );
  }

  /** An unexpected crash must not leave the connection stuck in `verifying`. */
  private async guard<T>(tenantId: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      await this.em.fork().execute(
        `update aws_connection set progress = null,
             status = case when status = 'verifying' then 'not_connected' else status end where tenant_id = ?`,
        [tenantId],
      );
      throw e;
    }
  }

  private async progress(tenantId: string, steps: VerifyStep[]): Promise<void> {
    await this.em
      .fork()
      .execute('update aws_connection set progress = ? where tenant_id = ?', [
        JSON.stringify(steps),
        tenantId,
      ]);
  }

  /** The tenant's External ID, generated on first use: 128 random bits, letters and digits only. */
  async externalId(tenantId: string): Promise<string> {
    const em = this.em.fork();
    const tenant = await em.findOne(TenantSchema, { id: tenantId });
    if (!tenant) throw notFound('Tenant');
    if (tenant.external_id) return tenant.external_id;
    const id = `co-${randomBytes(16).toString('hex')}`;
    await em.execute('update tenant set external_id = ? where id = ? and external_id is null', [
      id,
      tenantId,
    ]);
    const fresh = await this.em.fork().findOneOrFail(TenantSchema, { id: tenantId });
    return fresh.external_id ?? id;
  }

  /**
   * Saves the outcome in one transaction. A failed connect never replaces a working connection's settings;
   * a failed re-verify marks the connection as in error. Repeating a request only rewrites the same row.
   */
  private async record(
    tenantId: string,
    externalId: string,
    settings: ConnectSettings,
    result: VerifyOk | VerifyFailed,
    kind: 'connect' | 'verify',
  ): Promise<Connection> {
    const em = this.em.fork();
    const conn = await em.transactional(async (tx) => {
      let row = await tx.findOne(
        AwsConnectionSchema,
        { tenant: tenantId },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      const working = row && isActiveStatus(row.status);
      if (!row) row = tx.create(AwsConnectionSchema, { tenant: tenantId, status: 'not_connected' });
      if (result.ok || !(working && kind === 'connect')) applySettings(row, settings);
      row.steps = result.steps;
      row.progress = null;
      if (result.ok) {
        row.status = result.status;
        row.cur_format = result.format;
        row.columns = result.columns;
        row.partition_keys = result.partitionKeys;
        row.managed_results = result.managedResults;
        row.data_through = result.dataThrough;
        row.last_verified_at = new Date();
        row.last_error = null;
      } else {
        row.last_error = result.error;
        if (!(working && kind === 'connect')) row.status = 'error';
      }
      await this.audit.record(
        {
          tenantId,
          action: !result.ok
            ? 'aws.verification_failed'
            : kind === 'verify'
              ? 'aws.verified'
              : working
                ? 'aws.reconfigured'
                : 'aws.connected',
          target: { type: 'aws_account', id: settings.aws_role_arn },
          details: {
            role_arn: settings.aws_role_arn,
            region: settings.region,
            athena_workgroup: settings.athena_workgroup,
            athena_db: settings.athena_db,
            athena_table: settings.athena_table,
            status: row.status,
            ...(result.ok ? {} : { request: kind, code: result.error.code, step: result.error.step }),
          },
        },
        tx,
      );
      await tx.flush();
      return row;
    });
    const dto = toConnectionDto(conn, externalId, this.config);
    if (!result.ok) {
      this.logger.warn({
        msg: 'aws verification failed',
        tenant_id: tenantId,
        code: result.error.code,
        step: result.error.step,
      });
      throw new AppError(422, result.error.code, result.error.message, {
        step: result.error.step,
        hints: result.error.hints,
        aws_error: result.error.aws_error,
        steps: result.steps,
      });
    }
    this.logger.log({
      msg: 'aws connection verified',
      tenant_id: tenantId,
      status: conn.status,
      format: conn.cur_format,
    });
    // Not awaited: the first sync is queued behind the answer (listener failures are logged by the bus).
    void this.events.emit('aws.connected', { tenantId });
    return dto;
  }
}

function applySettings(row: AwsConnection, s: ConnectSettings): void {
  row.role_arn = s.aws_role_arn;
  row.region = s.region;
  row.athena_db = s.athena_db;
  row.athena_table = s.athena_table;
  row.athena_workgroup = s.athena_workgroup;
  row.cur_bucket = s.cur_bucket ?? null;
  row.cur_prefix = s.cur_prefix ?? null;
  row.results_bucket = s.athena_results_bucket ?? null;
  row.results_prefix = s.athena_results_prefix;
}

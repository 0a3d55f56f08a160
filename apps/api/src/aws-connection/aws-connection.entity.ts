import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import type { ConnectionError, ConnectionStatus, CurFormat, VerifyStep } from '@cost-optimizer/dto';
import { TenantSchema } from '../tenants/tenant.entity';
import { tenantRls } from '../database/db-roles.constants';

/** One AWS connection per tenant: the saved settings and what the last verification found. */
export const AwsConnectionSchema = defineEntity({
  name: 'AwsConnection',
  tableName: 'aws_connection',
  ...tenantRls(),
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    tenant: () => p.oneToOne(TenantSchema).owner().unique().deleteRule('cascade'),
    status: p
      .enum(['not_connected', 'verifying', 'connected', 'pending_data', 'error'] as const)
      .$type<ConnectionStatus>(),
    role_arn: p.string().length(2048).nullable(),
    region: p.string().length(32).nullable(),
    athena_db: p.string().length(255).nullable(),
    athena_table: p.string().length(255).nullable(),
    athena_workgroup: p.string().length(128).nullable(),
    cur_bucket: p.string().length(63).nullable(),
    cur_prefix: p.string().length(1024).nullable(),
    results_bucket: p.string().length(63).nullable(),
    results_prefix: p.string().length(1024).nullable(),
    cur_format: p
      .enum(['legacy', 'cur2', 'focus'] as const)
      .$type<CurFormat>()
      .nullable(),
    partition_keys: p.json<string[]>().nullable(),
    columns: p.json<string[]>().nullable(),
    managed_results: p.boolean().nullable(),
    last_verified_at: p.datetime().nullable(),
    data_through: p.string().length(10).nullable(),
    last_error: p.json<ConnectionError>().nullable(),
    steps: p.json<VerifyStep[]>().nullable(),
    /** Steps finished so far while a verification runs (null when none runs): the console polls it. */
    progress: p.json<VerifyStep[]>().nullable(),
    created_at: p.datetime().onCreate(() => new Date()),
    updated_at: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type AwsConnection = InferEntity<typeof AwsConnectionSchema>;

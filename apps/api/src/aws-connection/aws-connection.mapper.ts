import type { Connection } from '@cost-optimizer/dto';
import type { AppConfig } from '../config/config';
import type { AwsConnection } from './aws-connection.entity';
import type { ConnectSettings } from './verifier';

export const STACK_NAME = 'CostOptimizerAccess';

/** The AWS console link that opens our stack ready to create, External ID filled in (AWS.md §1). */
export function quickCreateUrl(config: AppConfig, externalId: string): string {
  const region = config.aws.stackRegion;
  const params = new URLSearchParams({
    templateURL: config.aws.templateUrl,
    stackName: STACK_NAME,
    param_ExternalId: externalId,
    param_TrustedPrincipalArn: config.aws.platformPrincipalArn,
  });
  return `https://${region}.console.aws.amazon.com/cloudformation/home?region=${region}#/stacks/create/review?${params.toString()}`;
}

export function toConnectionDto(c: AwsConnection | null, externalId: string, config: AppConfig): Connection {
  const connected = c && c.role_arn;
  return {
    status: c?.status ?? 'not_connected',
    external_id: externalId,
    platform_principal_arn: config.aws.platformPrincipalArn,
    template_url: config.aws.templateUrl,
    quick_create_url: quickCreateUrl(config, externalId),
    settings: connected ? settingsOf(c) : null,
    cur_format: c?.cur_format ?? null,
    partition_keys: c?.partition_keys ?? [],
    managed_results: c?.managed_results ?? null,
    last_verified_at: c?.last_verified_at ? c.last_verified_at.toISOString() : null,
    data_through: c?.data_through ?? null,
    last_error: c?.last_error ?? null,
    steps: c?.steps ?? [],
    in_progress: c?.progress ?? null,
  };
}

export function settingsOf(c: AwsConnection): ConnectSettings {
  return {
    aws_role_arn: c.role_arn ?? '',
    region: c.region ?? '',
    athena_db: c.athena_db ?? '',
    athena_table: c.athena_table ?? '',
    athena_workgroup: c.athena_workgroup ?? 'primary',
    cur_bucket: c.cur_bucket ?? undefined,
    cur_prefix: c.cur_prefix ?? undefined,
    athena_results_bucket: c.results_bucket ?? undefined,
    athena_results_prefix: c.results_prefix ?? 'athena-results/',
  };
}

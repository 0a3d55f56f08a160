import { Inject, Injectable, Logger } from '@nestjs/common';
import type {
  ConnectAws,
  ConnectionError,
  CurFormat,
  ErrorCode,
  VerifyStep,
  VerifyStepName,
} from '@cost-optimizer/dto';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { AwsClients } from '../aws/aws-clients';
import { RoleCredentialsFactory } from './role-credentials';
import {
  checkData,
  checkExternalIdEnforced,
  checkTable,
  checkWorkgroup,
  assumeTenantRole,
  StepFailure,
  type StepContext,
  type StepDone,
} from './verify-steps';

export { partitionOrderKey } from './verify-steps';

export type ConnectSettings = Omit<ConnectAws, 'external_id'>;

export interface VerifyOk {
  ok: true;
  status: 'connected' | 'pending_data';
  steps: VerifyStep[];
  format: CurFormat;
  columns: string[];
  partitionKeys: string[];
  managedResults: boolean;
  dataThrough: string | null;
}

export interface VerifyFailed {
  ok: false;
  steps: VerifyStep[];
  /** As stored and shown, with the code narrowed: every step failure is one of the contract's error codes. */
  error: ConnectionError & { code: ErrorCode };
}

export const STEP_TITLES: Record<VerifyStepName, string> = {
  assume_role: 'Assume the role with your External ID',
  external_id_enforced: 'Check the role refuses callers without the External ID',
  workgroup: 'Find the Athena workgroup',
  table: 'Find the CUR table and read its columns',
  data: 'Query the latest CUR data',
};

/** A step that stopped the verification: the step and why. */
class StepStopped extends Error {
  constructor(
    readonly step: VerifyStepName,
    readonly failure: StepFailure,
  ) {
    super(failure.message);
  }
}

/** The steps run so far, each with its outcome and duration; reported after each one (the console polls them). */
class StepLog {
  readonly steps: VerifyStep[] = [];

  constructor(private readonly onStep: (steps: VerifyStep[]) => Promise<void>) {}

  /** Runs one step: its result is recorded as ok or warning; a failure is recorded and stops the verification. */
  async run<T>(step: VerifyStepName, fn: () => Promise<StepDone<T>>): Promise<T> {
    const t0 = Date.now();
    let done: StepDone<T>;
    try {
      done = await fn();
    } catch (e) {
      const failure =
        e instanceof StepFailure
          ? e
          : StepFailure.fromAws(
              'AWS_ERROR',
              `Unexpected AWS error during "${STEP_TITLES[step]}"`,
              ['Retry in a minute; if it persists, check the AWS service health'],
              e,
            );
      this.steps.push(this.entry(step, 'failed', failure.message, t0));
      throw new StepStopped(step, failure);
    }
    this.steps.push(this.entry(step, done.warning ? 'warning' : 'ok', done.message, t0));
    await this.onStep([...this.steps]);
    return done.value;
  }

  private entry(step: VerifyStepName, status: VerifyStep['status'], message: string, t0: number): VerifyStep {
    return { step, title: STEP_TITLES[step], status, message, duration_ms: Date.now() - t0 };
  }
}

/** The five connection checks, run in order; the first failure stops them (AWS.md §1-2). Each is one function. */
@Injectable()
export class ConnectionVerifier {
  private readonly logger = new Logger('ConnectionVerifier');

  constructor(
    private readonly aws: AwsClients,
    private readonly roles: RoleCredentialsFactory,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async verify(
    tenantId: string,
    externalId: string,
    settings: ConnectSettings,
    onStep: (steps: VerifyStep[]) => Promise<void> = async () => {},
  ): Promise<VerifyOk | VerifyFailed> {
    const ctx: StepContext = {
      tenantId,
      externalId,
      settings,
      platformPrincipalArn: this.config.aws.platformPrincipalArn,
      queryDeadlineMs: Math.min(this.config.aws.athenaQueryTimeoutMs, 120_000),
      aws: this.aws,
      roles: this.roles,
    };
    const log = new StepLog(onStep);
    try {
      const credentials = await log.run('assume_role', () => assumeTenantRole(ctx));
      await log.run('external_id_enforced', () => checkExternalIdEnforced(ctx));
      const workgroup = await log.run('workgroup', () => checkWorkgroup(ctx, credentials));
      const table = await log.run('table', () => checkTable(ctx, credentials));
      const data = await log.run('data', () => checkData(ctx, credentials, workgroup.target, table));
      return {
        ok: true,
        status: data.status,
        steps: log.steps,
        format: table.format,
        columns: table.columns,
        partitionKeys: table.partitionKeys,
        managedResults: workgroup.managed,
        dataThrough: data.dataThrough,
      };
    } catch (e) {
      if (!(e instanceof StepStopped)) throw e;
      return { ok: false, steps: log.steps, error: this.failed(tenantId, e) };
    }
  }

  /** The stored error of a failed step; an error of ours (not AWS's answer) is logged and shown as a fixed text. */
  private failed(tenantId: string, { step, failure }: StepStopped): VerifyFailed['error'] {
    if (failure.internal)
      this.logger.error({
        msg: 'verification failed with an error not from AWS',
        tenant_id: tenantId,
        step,
        error: failure.internal.stack,
      });
    return {
      code: failure.code,
      message: failure.message,
      step,
      hints: failure.hints,
      aws_error: failure.awsError,
      at: new Date().toISOString(),
    };
  }
}

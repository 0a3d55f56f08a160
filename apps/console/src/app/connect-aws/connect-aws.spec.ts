import { Component } from '@angular/core';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { HarnessLoader, manualChangeDetection } from '@angular/cdk/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatFormFieldHarness } from '@angular/material/form-field/testing';
import { MatInputHarness } from '@angular/material/input/testing';
import { MatSnackBarHarness } from '@angular/material/snack-bar/testing';
import { Router } from '@angular/router';
import { Connection, Role, VerifyStep } from '@cost-optimizer/dto';
import {
  EXTERNAL_ID,
  IDS,
  connection,
  errorBody,
  http,
  provideTestApp,
  withSession,
} from '../../testing/test-providers';
import { ConnectAws } from './connect-aws';
import { CONNECT_POLL_MS, CONNECT_SUCCESS_REDIRECT_MS } from './connection-api';

@Component({ template: 'page' })
class Page {}

const ROLE_ARN = 'arn:aws:iam::123456789012:role/CostOptimizerAccess';

const step = (name: VerifyStep['step'], status: VerifyStep['status'] = 'ok', message = 'OK'): VerifyStep => ({
  step: name,
  title: name,
  status,
  message,
  duration_ms: 120,
});
const ALL_OK = (['assume_role', 'external_id_enforced', 'workgroup', 'table', 'data'] as const).map((s) =>
  step(s),
);

const saved = {
  aws_role_arn: ROLE_ARN,
  region: 'eu-west-1',
  athena_db: 'cur_db',
  athena_table: 'cur_table',
  athena_workgroup: 'primary',
  athena_results_prefix: 'athena-results/',
};

describe('ConnectAws', () => {
  let fixture: ComponentFixture<ConnectAws>;
  let loader: HarnessLoader;
  let root: HarnessLoader;

  async function open(
    opts: { role?: Role; value?: Connection; pollMs?: number; tenantId?: string; globalOwner?: boolean } = {},
  ) {
    localStorage.clear();
    TestBed.configureTestingModule({
      providers: [
        ...provideTestApp([
          { path: 'dashboard', component: Page },
          { path: 'admin/tenants/:id', component: Page },
        ]),
        { provide: CONNECT_POLL_MS, useValue: opts.pollMs ?? 60_000 },
        { provide: CONNECT_SUCCESS_REDIRECT_MS, useValue: 0 },
      ],
    });
    withSession({ role: opts.role ?? 'owner', is_global_owner: opts.globalOwner ?? false });
    fixture = TestBed.createComponent(ConnectAws);
    if (opts.tenantId) fixture.componentRef.setInput('id', opts.tenantId);
    loader = TestbedHarnessEnvironment.loader(fixture);
    root = TestbedHarnessEnvironment.documentRootLoader(fixture);
    TestBed.tick();
    expect(el().querySelector('mat-progress-bar')).not.toBeNull();
    const url = opts.tenantId ? `/api/admin/tenants/${opts.tenantId}/connection` : '/api/tenants/connection';
    http()
      .expectOne(url)
      .flush(opts.value ?? connection());
    await fixture.whenStable();
  }

  afterEach(() => http().verify());

  const el = () => fixture.nativeElement as HTMLElement;
  const byId = (id: string) => el().querySelector(`[data-testid=${id}]`);
  const text = (id: string) => byId(id)?.textContent?.replace(/\s+/g, ' ').trim();
  const input = (id: string) => loader.getHarness(MatInputHarness.with({ selector: `[data-testid=${id}]` }));
  const statuses = () =>
    Array.from(el().querySelectorAll('[data-testid^=connect-step-]')).map(
      (row) =>
        `${row.getAttribute('data-testid')!.slice('connect-step-'.length)}:${row.getAttribute('data-status')}`,
    );
  /** Harness actions wait for stability, which never comes while the POST is pending. */
  const act = (action: () => Promise<unknown>) => manualChangeDetection(action);
  const clickSave = async () =>
    act(async () =>
      (await loader.getHarness(MatButtonHarness.with({ selector: '[data-testid=connect-save]' }))).click(),
    );

  async function fillRequired() {
    await (await input('connect-role-arn')).setValue(ROLE_ARN);
    await (await input('connect-region')).setValue('eu-west-1');
    await (await input('connect-athena-db')).setValue('cur_db');
    await (await input('connect-athena-table')).setValue('cur_table');
  }

  it('shows the External ID, the stack links and the principal to trust', async () => {
    await open();
    expect(text('connect-external-id')).toBe(EXTERNAL_ID);
    expect(text('connect-principal')).toBe('arn:aws:iam::111122223333:role/CostOptimizerPlatform');
    const launch = byId('connect-launch-stack') as HTMLAnchorElement;
    expect(launch.getAttribute('href')).toBe(connection().quick_create_url);
    expect(launch.target).toBe('_blank');
    expect(byId('connect-template-download')?.getAttribute('href')).toBe(
      '/api/aws/cloudformation-template.yml',
    );
    expect(byId('connect-copy-external-id')).not.toBeNull();
    expect(await (await input('connect-external-id-input')).getValue()).toBe(EXTERNAL_ID);
    expect(await (await input('connect-workgroup')).getValue()).toBe('primary');
    expect(await (await input('connect-results-prefix')).getValue()).toBe('athena-results/');
  });

  it('names the invalid fields and sends nothing', async () => {
    await open();
    await (await input('connect-region')).setValue('Frankfurt');
    await (await input('connect-results-bucket')).setValue('s3://my-results');
    await clickSave();
    await fixture.whenStable();

    expect(text('connect-form-invalid')).toContain(
      'Please fix: Role ARN, Region, Athena database, CUR table, Query results bucket',
    );
    const region = await loader.getHarness(MatFormFieldHarness.with({ floatingLabelText: 'Region' }));
    expect(await region.getTextErrors()).toEqual(['Must be an AWS region code such as us-east-1']);
    const arn = await loader.getHarness(MatFormFieldHarness.with({ floatingLabelText: 'Role ARN' }));
    expect(await arn.getTextErrors()).toEqual(['Role ARN is required']);
    const bucket = await loader.getHarness(
      MatFormFieldHarness.with({ floatingLabelText: 'Query results bucket' }),
    );
    expect((await bucket.getTextErrors())[0]).toContain('Must be an S3 bucket name');
    http().expectNone('/api/tenants/connect');
  });

  it('saves, says so and goes on to the dashboard', async () => {
    await open();
    await fillRequired();
    await clickSave();

    const post = http().expectOne('/api/tenants/connect');
    expect(post.request.method).toBe('POST');
    expect(post.request.body).toEqual({
      aws_role_arn: ROLE_ARN,
      external_id: EXTERNAL_ID,
      region: 'eu-west-1',
      athena_db: 'cur_db',
      athena_table: 'cur_table',
      athena_workgroup: 'primary',
      athena_results_prefix: 'athena-results/',
    });
    TestBed.tick();
    expect(byId('connect-save')?.hasAttribute('disabled')).toBe(true);
    post.flush(
      connection({
        status: 'connected',
        settings: saved,
        steps: ALL_OK,
        data_through: '2026-11-22',
        cur_format: 'cur2',
      }),
    );
    TestBed.tick();
    expect(text('connect-success')).toContain('AWS connection saved successfully!');

    await new Promise((resolve) => setTimeout(resolve, 0));
    await fixture.whenStable();
    expect(TestBed.inject(Router).url).toBe('/dashboard');
    const snackBar = await root.getHarness(MatSnackBarHarness);
    expect(await snackBar.getMessage()).toBe('AWS connection saved successfully!');
  });

  it('says when the connection is saved but no data has arrived yet', async () => {
    await open();
    await fillRequired();
    await clickSave();
    http()
      .expectOne('/api/tenants/connect')
      .flush(connection({ status: 'pending_data', settings: saved, steps: ALL_OK }));
    TestBed.tick();
    expect(text('connect-pending-data')).toContain('the first report takes 24-48 hours');
    expect(text('connect-success')).toContain('AWS connection saved successfully!');
    await new Promise((resolve) => setTimeout(resolve, 0));
    await fixture.whenStable();
    expect(TestBed.inject(Router).url).toBe('/dashboard');
  });

  it('shows the failing step, AWS’s own text and the hints, and keeps the form filled', async () => {
    await open();
    await fillRequired();
    await clickSave();
    const awsText =
      'AccessDenied: User: arn:aws:sts::111122223333:assumed-role/CostOptimizerPlatform/co is not authorized to perform: sts:AssumeRole on resource: ' +
      ROLE_ARN;
    http()
      .expectOne('/api/tenants/connect')
      .flush(
        errorBody('ASSUME_ROLE_FAILED', 'Cannot assume the role', {
          step: 'assume_role',
          hints: ['Check that the stack finished creating', 'Use the RoleArn output of the stack'],
          aws_error: awsText,
          steps: [
            step('assume_role', 'failed', 'AccessDenied'),
            step('external_id_enforced', 'skipped', 'Not run'),
          ],
        }),
        { status: 422, statusText: 'Unprocessable Entity' },
      );
    await fixture.whenStable();

    expect(statuses()).toEqual([
      'assume_role:failed',
      'external_id_enforced:pending',
      'workgroup:pending',
      'table:pending',
      'data:pending',
    ]);
    expect(text('connect-error-step')).toBe('Failed at: Assume the role with your External ID');
    expect(text('connect-error-message')).toBe('Cannot assume the role');
    expect(byId('connect-error-aws')?.textContent).toBe(awsText);
    expect(byId('connect-error-aws')?.tagName).toBe('PRE');
    expect(
      Array.from(el().querySelectorAll('[data-testid=connect-error-hints] li')).map((li) =>
        li.textContent?.trim(),
      ),
    ).toEqual(['Check that the stack finished creating', 'Use the RoleArn output of the stack']);
    expect(await (await input('connect-role-arn')).getValue()).toBe(ROLE_ARN);
    expect(await (await input('connect-athena-table')).getValue()).toBe('cur_table');
    // Explained on the page, not in a snackbar too.
    expect(await root.getAllHarnesses(MatSnackBarHarness)).toHaveLength(0);
    expect(TestBed.inject(Router).url).toBe('/');
  });

  it('puts a refused External ID on its field', async () => {
    await open();
    await fillRequired();
    await clickSave();
    http()
      .expectOne('/api/tenants/connect')
      .flush(
        errorBody('VALIDATION_FAILED', 'Request body is invalid: external_id', [
          { field: 'external_id', message: 'Not your External ID: copy it from step 1' },
        ]),
        { status: 400, statusText: 'Bad Request' },
      );
    await fixture.whenStable();
    const field = await loader.getHarness(MatFormFieldHarness.with({ floatingLabelText: 'External ID' }));
    expect(await field.getTextErrors()).toEqual(['Not your External ID: copy it from step 1']);
    expect(text('connect-form-invalid')).toContain('Please fix: External ID');
  });

  it('shows the steps live from the polled in_progress while saving', async () => {
    await open({ pollMs: 5 });
    await fillRequired();
    await clickSave();
    const post = http().expectOne('/api/tenants/connect');
    TestBed.tick();
    expect(statuses()).toEqual([
      'assume_role:running',
      'external_id_enforced:pending',
      'workgroup:pending',
      'table:pending',
      'data:pending',
    ]);

    const poll = async (inProgress: VerifyStep[] | null) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      http()
        .expectOne('/api/tenants/connection')
        .flush(connection({ status: 'verifying', in_progress: inProgress }));
      TestBed.tick();
    };
    await poll([step('assume_role')]);
    expect(statuses()).toEqual([
      'assume_role:ok',
      'external_id_enforced:running',
      'workgroup:pending',
      'table:pending',
      'data:pending',
    ]);
    await poll([
      step('assume_role'),
      step('external_id_enforced'),
      step('workgroup', 'warning', 'No output location'),
    ]);
    expect(statuses()).toEqual([
      'assume_role:ok',
      'external_id_enforced:ok',
      'workgroup:warning',
      'table:running',
      'data:pending',
    ]);
    expect(el().querySelector('[data-testid=connect-step-table] mat-progress-spinner')).not.toBeNull();

    post.flush(connection({ status: 'connected', settings: saved, steps: ALL_OK }));
    TestBed.tick();
    expect(statuses().every((s) => s.endsWith(':ok'))).toBe(true);
    // Polling stopped with the answer.
    await new Promise((resolve) => setTimeout(resolve, 20));
    http().expectNone('/api/tenants/connection');
    await fixture.whenStable();
  });

  it('is read-only for a viewer', async () => {
    await open({
      role: 'viewer',
      value: connection({ status: 'connected', settings: saved, steps: ALL_OK }),
    });
    expect(byId('connect-save')).toBeNull();
    expect(text('connect-read-only')).toContain('Only owners and admins');
    const arn = await input('connect-role-arn');
    expect(await arn.getValue()).toBe(ROLE_ARN);
    expect(await arn.isReadonly()).toBe(true);
    expect(await (await input('connect-external-id-input')).isReadonly()).toBe(true);
    expect(await (await input('connect-cur-bucket')).isReadonly()).toBe(true);
    expect(statuses().every((s) => s.endsWith(':ok'))).toBe(true);
  });

  it('shows the stored failure of the last check', async () => {
    await open({
      value: connection({
        status: 'error',
        settings: saved,
        steps: [
          step('assume_role'),
          step('external_id_enforced'),
          step('workgroup'),
          step('table', 'failed', 'x'),
        ],
        last_error: {
          code: 'ATHENA_TABLE_NOT_FOUND',
          message: 'Table cur_db.cur_table does not exist',
          step: 'table',
          hints: ['Check the table name in Athena'],
          aws_error: 'EntityNotFoundException: Table cur_table not found.',
          at: '2026-11-24T10:00:00.000Z',
        },
      }),
    });
    expect(statuses()[3]).toBe('table:failed');
    expect(text('connect-error-aws')).toBe('EntityNotFoundException: Table cur_table not found.');
  });

  it('lets a global owner connect another tenant', async () => {
    await open({ tenantId: IDS.other, globalOwner: true, role: 'viewer' });
    await fillRequired();
    await clickSave();
    http()
      .expectOne(`/api/admin/tenants/${IDS.other}/connect`)
      .flush(connection({ status: 'connected', settings: saved, steps: ALL_OK }));
    await new Promise((resolve) => setTimeout(resolve, 0));
    await fixture.whenStable();
    expect(TestBed.inject(Router).url).toBe(`/admin/tenants/${IDS.other}`);
  });
});

import { TestBed } from '@angular/core/testing';
import { HarnessLoader, manualChangeDetection } from '@angular/cdk/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { ComponentFixture } from '@angular/core/testing';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatDialogHarness } from '@angular/material/dialog/testing';
import { MatExpansionPanelHarness } from '@angular/material/expansion/testing';
import { MatSnackBarHarness } from '@angular/material/snack-bar/testing';
import { MatInputHarness } from '@angular/material/input/testing';
import { MatProgressBarHarness } from '@angular/material/progress-bar/testing';
import { MatSelectHarness } from '@angular/material/select/testing';
import { MatTableHarness } from '@angular/material/table/testing';
import {
  Connection,
  Invitation,
  Member,
  MyInvitation,
  Role,
  SyncRun,
  SyncRunPage,
  Tenant,
} from '@cost-optimizer/dto';
import { RUN_ID, syncRun } from '../../testing/cost-fixtures';
import { IDS, connection, errorBody, http, provideTestApp, withSession } from '../../testing/test-providers';
import { SYNC_POLL_MS } from '../sync/sync-tracker';
import { Session } from '../core/auth/session';
import { Settings } from './settings';

const tenant: Tenant = {
  id: IDS.tenant,
  name: 'Analytical Engines Ltd',
  created_at: '2026-11-01T10:00:00.000Z',
  default_measure: 'unblended',
};
const FAILED_RUN_ID = '66666666-6666-4666-8666-666666666666';
const runs = (items: SyncRun[] = [syncRun()], total = items.length): SyncRunPage => ({
  items,
  total,
  page: 1,
  page_size: 10,
});
const ada: Member = {
  user_id: IDS.user,
  email: 'ada@example.com',
  name: 'Ada Lovelace',
  role: 'owner',
  joined_at: '2026-11-01T10:00:00.000Z',
};
const grace: Member = {
  user_id: IDS.other,
  email: 'grace@example.com',
  name: null,
  role: 'viewer',
  joined_at: '2026-11-02T10:00:00.000Z',
};

const invitation: Invitation = {
  id: '12121212-1212-4212-8212-121212121212',
  email: 'grace@example.com',
  role: 'admin',
  invited_at: '2026-12-01T10:00:00.000Z',
  expires_at: '2026-12-15T10:00:00.000Z',
};
const forMe: MyInvitation = {
  id: '13131313-1313-4313-8313-131313131313',
  tenant: { id: '14141414-1414-4414-8414-141414141414', name: 'Difference Engines plc' },
  role: 'viewer',
  invited_at: '2026-12-01T10:00:00.000Z',
  expires_at: '2026-12-15T10:00:00.000Z',
};

describe('Settings', () => {
  let fixture: ComponentFixture<Settings>;
  /** What the invitation lists answer when the page opens. */
  let sentInvitations: Invitation[] = [];
  let myInvitations: MyInvitation[] = [];
  beforeEach(() => {
    sentInvitations = [];
    myInvitations = [];
  });
  let loader: HarnessLoader;
  let root: HarnessLoader;

  async function open(
    role: Role,
    members: Member[] = [ada, grace],
    aws: Connection = connection(),
    syncRuns: SyncRunPage = runs(),
  ) {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideTestApp(), { provide: SYNC_POLL_MS, useValue: 5 }] });
    withSession({ role });
    fixture = TestBed.createComponent(Settings);
    loader = TestbedHarnessEnvironment.loader(fixture);
    root = TestbedHarnessEnvironment.documentRootLoader(fixture);
    TestBed.tick();
    // Loading states (harnesses would wait for the pending requests, so look at the DOM directly).
    expect((fixture.nativeElement as HTMLElement).querySelectorAll('mat-progress-bar')).toHaveLength(6);
    http().expectOne('/api/tenants/current').flush(tenant);
    http().expectOne('/api/tenants/current/members').flush({ items: members });
    http().expectOne('/api/tenants/connection').flush(aws);
    http().expectOne('/api/cur/sync-runs?page=1&page_size=10').flush(syncRuns);
    http().expectOne('/api/anomaly-monitors').flush({ items: [] });
    http()
      .expectOne('/api/alert-subscriptions?page=1&page_size=100')
      .flush({ items: [], total: 0, page: 1, page_size: 100 });
    // Owners and admins see the invitations the company sent; everyone sees those addressed to them.
    const sent = http().match('/api/tenants/current/invitations');
    expect(sent).toHaveLength(role === 'viewer' ? 0 : 1);
    sent.forEach((r) => r.flush({ items: sentInvitations }));
    http().expectOne('/api/invitations').flush({ items: myInvitations });
    await fixture.whenStable();
  }

  afterEach(() => http().verify());

  it('shows owners the audit log card, which loads when opened; admins do not see it', async () => {
    await open('owner');
    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelector('[data-testid=audit-log-card]')).not.toBeNull();
    const panel = await loader.getHarness(
      MatExpansionPanelHarness.with({ selector: '[data-testid=audit-log-panel]' }),
    );
    await manualChangeDetection(() => panel.expand());
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r));
      TestBed.tick();
    }
    http()
      .expectOne('/api/audit-events?page=1&page_size=20')
      .flush({ items: [], total: 0, page: 1, page_size: 20 });
    await fixture.whenStable();
    expect(el.querySelector('[data-testid=audit-empty]')?.textContent?.trim()).toBe('Nothing recorded yet.');

    TestBed.resetTestingModule();
    await open('admin');
    expect((fixture.nativeElement as HTMLElement).querySelector('[data-testid=audit-log-card]')).toBeNull();
  });

  const tenantName = () =>
    loader.getHarness(MatInputHarness.with({ selector: '[data-testid=settings-tenant-name]' }));
  const button = (testId: string) =>
    loader.getHarness(MatButtonHarness.with({ selector: `[data-testid=${testId}]` }));
  const memberError = () =>
    (fixture.nativeElement as HTMLElement).querySelector('[data-testid=member-error]')?.textContent?.trim();

  async function memberRows(): Promise<string[][]> {
    const table = await loader.getHarness(MatTableHarness.with({ ancestor: 'app-member-table' }));
    const rows = await table.getRows();
    return Promise.all(rows.map(async (row) => (await row.getCellTextByIndex()).map((t) => t.trim())));
  }

  /** After a change the container reloads the members (a pending request keeps the fixture unstable). */
  async function expectMembersReload(items: Member[]) {
    TestBed.tick();
    http().expectOne('/api/tenants/current/members').flush({ items });
    await fixture.whenStable();
  }

  it('shows the company and its members once loaded', async () => {
    await open('owner');
    expect(await (await tenantName()).getValue()).toBe('Analytical Engines Ltd');
    expect(await loader.getAllHarnesses(MatProgressBarHarness)).toHaveLength(0);
    const rows = await memberRows();
    expect(rows.map((r) => r[0])).toEqual(['Ada Lovelaceada@example.com', 'grace@example.com']);
  });

  it('lets an owner rename the company and updates the toolbar', async () => {
    await open('owner');
    await (await tenantName()).setValue('Difference Engines plc');
    await (await button('settings-tenant-save')).click();

    const req = http().expectOne('/api/tenants/current');
    expect(req.request.method).toBe('PATCH');
    expect(req.request.body).toEqual({ name: 'Difference Engines plc' });
    req.flush({ ...tenant, name: 'Difference Engines plc' });
    await fixture.whenStable();

    expect(TestBed.inject(Session).me()?.tenant.name).toBe('Difference Engines plc');
    expect(await (await button('settings-tenant-save')).isDisabled()).toBe(true);
  });

  it('is read-only for a viewer', async () => {
    await open('viewer');
    expect(await (await tenantName()).isReadonly()).toBe(true);
    expect(
      await loader.getAllHarnesses(MatButtonHarness.with({ selector: '[data-testid=settings-tenant-save]' })),
    ).toHaveLength(0);
    expect(
      await loader.getAllHarnesses(MatInputHarness.with({ selector: '[data-testid=settings-member-email]' })),
    ).toHaveLength(0);
    expect(
      await loader.getAllHarnesses(MatSelectHarness.with({ ancestor: 'app-member-table' })),
    ).toHaveLength(0);
    expect(
      await loader.getAllHarnesses(MatButtonHarness.with({ selector: '[data-testid=member-remove]' })),
    ).toHaveLength(0);
    expect((await memberRows()).map((r) => r[1])).toEqual(['Owner', 'Viewer']);
  });

  it('invites by email and role: the person is listed as invited, not as a member, until they accept', async () => {
    await open('admin', [ada]);
    const email = await loader.getHarness(
      MatInputHarness.with({ selector: '[data-testid=settings-member-email]' }),
    );
    await email.setValue('Grace@Example.com');
    await (
      await loader.getHarness(MatSelectHarness.with({ selector: '[data-testid=settings-member-role]' }))
    ).clickOptions({
      text: 'Admin',
    });
    await (await button('settings-member-add')).click();

    const req = http().expectOne('/api/tenants/current/members');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({ email: 'grace@example.com', role: 'admin' });
    req.flush(invitation, { status: 202, statusText: 'Accepted' });
    TestBed.tick();
    http()
      .expectOne('/api/tenants/current/invitations')
      .flush({ items: [invitation] });
    await expectMembersReload([ada]);

    expect((await memberRows()).map((r) => r[0])).toEqual(['Ada Lovelaceada@example.com']);
    const sent = (fixture.nativeElement as HTMLElement).querySelector('[data-testid=invitations-sent]');
    expect(sent?.textContent?.replace(/\s+/g, ' ').trim()).toBe(
      'grace@example.com · Admin · until 2026-12-15 Revoke',
    );
    expect(await (await root.getHarness(MatSnackBarHarness)).getMessage()).toBe(
      'Invitation sent to grace@example.com (admin): they join when they accept it',
    );
    expect(await email.getValue()).toBe('');
  });

  it('lets a person accept an invitation addressed to them; nothing joins them before', async () => {
    myInvitations = [forMe];
    await open('viewer');
    const mine = (fixture.nativeElement as HTMLElement).querySelector('[data-testid=invitations-mine]');
    expect(mine?.textContent?.replace(/\s+/g, ' ').trim()).toBe(
      'Difference Engines plc invites you as Viewer Accept',
    );
    await (await button('invitation-accept')).click();
    const req = http().expectOne(`/api/invitations/${forMe.id}/accept`);
    expect(req.request.method).toBe('POST');
    req.flush({ ...ada, role: 'viewer' });
    TestBed.tick();
    http().expectOne('/api/invitations').flush({ items: [] });
    await expectMembersReload([ada, grace]);
    expect(await (await root.getHarness(MatSnackBarHarness)).getMessage()).toBe(
      'You are now a member of Difference Engines plc (Viewer)',
    );
    expect((fixture.nativeElement as HTMLElement).querySelector('[data-testid=invitations-mine]')).toBeNull();
  });

  it('changes a role, and shows LAST_OWNER when the last owner would be demoted', async () => {
    await open('owner');
    const selects = await loader.getAllHarnesses(
      MatSelectHarness.with({ selector: '[data-testid=member-role-select]' }),
    );
    await selects[1]!.clickOptions({ text: 'Admin' });
    const ok = http().expectOne(`/api/tenants/current/members/${IDS.other}`);
    expect(ok.request.method).toBe('PATCH');
    expect(ok.request.body).toEqual({ role: 'admin' });
    ok.flush({ ...grace, role: 'admin' });
    await expectMembersReload([ada, { ...grace, role: 'admin' }]);

    const again = await loader.getAllHarnesses(
      MatSelectHarness.with({ selector: '[data-testid=member-role-select]' }),
    );
    await again[0]!.clickOptions({ text: 'Viewer' });
    http()
      .expectOne(`/api/tenants/current/members/${IDS.user}`)
      .flush(errorBody('LAST_OWNER', 'A tenant needs an owner'), {
        status: 422,
        statusText: 'Unprocessable',
      });
    await expectMembersReload([ada, { ...grace, role: 'admin' }]);

    expect(memberError()).toContain('at least one owner');
    const reverted = await loader.getAllHarnesses(
      MatSelectHarness.with({ selector: '[data-testid=member-role-select]' }),
    );
    expect(await reverted[0]!.getValueText()).toBe('Owner');
  });

  it('removes a member only after confirmation', async () => {
    await open('owner');
    const removeButtons = await loader.getAllHarnesses(
      MatButtonHarness.with({ selector: '[data-testid=member-remove]' }),
    );

    await removeButtons[1]!.click();
    let dialog = await root.getHarness(MatDialogHarness);
    expect(await dialog.getTitleText()).toBe('Remove member?');
    await (await dialog.getHarness(MatButtonHarness.with({ text: 'Cancel' }))).click();
    await fixture.whenStable();
    http().expectNone(`/api/tenants/current/members/${IDS.other}`);

    await removeButtons[1]!.click();
    dialog = await root.getHarness(MatDialogHarness);
    await (await dialog.getHarness(MatButtonHarness.with({ text: 'Remove' }))).click();
    await fixture.whenStable();
    const req = http().expectOne(`/api/tenants/current/members/${IDS.other}`);
    expect(req.request.method).toBe('DELETE');
    req.flush(null, { status: 204, statusText: 'No Content' });
    await expectMembersReload([ada]);
    expect(await memberRows()).toHaveLength(1);
  });

  it('shows LAST_OWNER when removing the last owner', async () => {
    await open('owner');
    await (
      await loader.getAllHarnesses(MatButtonHarness.with({ selector: '[data-testid=member-remove]' }))
    )[0]!.click();
    await (
      await (await root.getHarness(MatDialogHarness)).getHarness(MatButtonHarness.with({ text: 'Remove' }))
    ).click();
    await fixture.whenStable();
    http()
      .expectOne(`/api/tenants/current/members/${IDS.user}`)
      .flush(errorBody('LAST_OWNER', 'A tenant needs an owner'), {
        status: 422,
        statusText: 'Unprocessable',
      });
    await expectMembersReload([ada, grace]);
    expect(memberError()).toContain('at least one owner');
  });

  describe('AWS connection', () => {
    const connected = connection({
      status: 'connected',
      settings: {
        aws_role_arn: 'arn:aws:iam::123456789012:role/CostOptimizerAccess',
        region: 'eu-west-1',
        athena_db: 'cur_db',
        athena_table: 'cur_table',
        athena_workgroup: 'primary',
        athena_results_prefix: 'athena-results/',
      },
      cur_format: 'cur2',
      data_through: '2026-11-22',
      last_verified_at: '2026-11-24T10:00:00.000Z',
    });
    const awsText = () =>
      (fixture.nativeElement as HTMLElement)
        .querySelector('[data-testid=settings-aws-status]')
        ?.textContent?.replace(/\s+/g, ' ')
        .trim();
    const el = () => fixture.nativeElement as HTMLElement;

    it('says when nothing is connected, with a link to connect', async () => {
      await open('owner', [ada], connection());
      expect(awsText()).toContain('Not connected');
      expect(el().querySelector('[data-testid=settings-aws-connect]')?.getAttribute('href')).toBe(
        '/connect-aws',
      );
      expect(el().querySelector('[data-testid=settings-aws-reverify]')).toBeNull();
    });

    it('shows a working connection: account, role, region, format, data through', async () => {
      await open('viewer', [ada], connected);
      expect(awsText()).toContain('AWS Connected');
      const card = el().textContent ?? '';
      expect(el().querySelector('[data-testid=settings-aws-account]')?.textContent).toBe('123456789012');
      expect(card).toContain('arn:aws:iam::123456789012:role/CostOptimizerAccess');
      expect(card).toContain('eu-west-1');
      expect(card).toContain('CUR 2.0');
      expect(card).toContain('Nov 22, 2026');
      // Viewers only read.
      expect(el().querySelector('[data-testid=settings-aws-reverify]')).toBeNull();
      expect(el().querySelector('[data-testid=settings-aws-disconnect]')).toBeNull();
    });

    it('shows the problem of a failed connection', async () => {
      await open(
        'owner',
        [ada],
        connection({
          status: 'error',
          last_error: {
            code: 'ATHENA_WORKGROUP_NOT_FOUND',
            message: 'Workgroup analytics does not exist',
            step: 'workgroup',
            hints: [],
            aws_error: null,
            at: '2026-11-24T10:00:00.000Z',
          },
        }),
      );
      expect(awsText()).toContain('Connection problem');
      expect(
        el().querySelector('[data-testid=settings-aws-problem]')?.textContent?.replace(/\s+/g, ' ').trim(),
      ).toBe('Failed at: Find the Athena workgroup Workgroup analytics does not exist');
    });

    it("re-verifies and shows a failure with AWS's text", async () => {
      await open('owner', [ada], connected);
      await manualChangeDetection(() => button('settings-aws-reverify').then((b) => b.click()));
      const req = http().expectOne('/api/tenants/connection/verify');
      expect(req.request.method).toBe('POST');
      req.flush(
        errorBody('ATHENA_QUERY_FAILED', 'The query failed', {
          step: 'data',
          hints: ['Check the results bucket'],
          aws_error: 'HIVE_BAD_DATA: wrong type',
          steps: [],
        }),
        { status: 422, statusText: 'Unprocessable Entity' },
      );
      TestBed.tick();
      http().expectOne('/api/tenants/connection').flush(connected);
      await fixture.whenStable();
      expect(el().querySelector('[data-testid=connect-error-aws]')?.textContent).toBe(
        'HIVE_BAD_DATA: wrong type',
      );
      expect(el().querySelector('[data-testid=connect-step-data]')?.getAttribute('data-status')).toBe(
        'failed',
      );
    });

    it('disconnects only after confirmation', async () => {
      await open('admin', [ada], connected);
      await (await button('settings-aws-disconnect')).click();
      let dialog = await root.getHarness(MatDialogHarness);
      expect(await dialog.getTitleText()).toBe('Disconnect AWS?');
      await (await dialog.getHarness(MatButtonHarness.with({ text: 'Cancel' }))).click();
      await fixture.whenStable();
      http().expectNone('/api/tenants/connection');

      await (await button('settings-aws-disconnect')).click();
      dialog = await root.getHarness(MatDialogHarness);
      await manualChangeDetection(async () =>
        (await dialog.getHarness(MatButtonHarness.with({ text: 'Disconnect' }))).click(),
      );
      TestBed.tick();
      const req = http().expectOne('/api/tenants/connection');
      expect(req.request.method).toBe('DELETE');
      req.flush(null, { status: 204, statusText: 'No Content' });
      TestBed.tick();
      http().expectOne('/api/tenants/connection').flush(connection());
      await fixture.whenStable();
      expect(awsText()).toContain('Not connected');
    });
  });

  describe('cost data sync and measure', () => {
    const el = () => fixture.nativeElement as HTMLElement;
    const pause = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));
    const failed = syncRun({
      id: FAILED_RUN_ID,
      status: 'failed',
      trigger: 'manual',
      months: ['2026-11'],
      rows_loaded: 0,
      error: {
        code: 'ATHENA_QUERY_FAILED',
        message: 'The Athena query failed',
        aws_error: 'HIVE_CANNOT_OPEN_SPLIT: Error opening Hive split s3://cur/2026-11/part-0.parquet',
      },
    });

    it('lists the sync runs with their figures and shows the AWS error on expand', async () => {
      await open('viewer', [ada], connection(), runs([syncRun(), failed], 12));
      const table = await loader.getHarness(
        MatTableHarness.with({ selector: '[data-testid=sync-runs-table]' }),
      );
      const cells = await table.getCellTextByColumnName();
      expect(cells['trigger']?.text).toEqual(['Nightly', 'Manual']);
      expect(cells['months']?.text).toEqual(['2026-10, 2026-11', '2026-11']);
      expect(cells['status']?.text).toEqual(['Succeeded', 'Failed']);
      expect(cells['rows']?.text).toEqual(['48,211', '0']);
      expect(cells['scanned']?.text).toEqual(['73.4 MB ~$0.0004', '73.4 MB ~$0.0004']);
      expect(cells['athena']?.text).toEqual(['12.4 s', '12.4 s']);
      expect(cells['load']?.text).toEqual(['850 ms', '850 ms']);
      const rows = el().querySelectorAll('[data-testid=sync-run-row]');
      expect([...rows].map((r) => r.getAttribute('data-status'))).toEqual(['succeeded', 'failed']);

      const detail = () => el().querySelector<HTMLElement>('.detail-row');
      expect(detail()?.classList).toContain('collapsed');
      await (await loader.getHarness(MatButtonHarness.with({ text: /The Athena query failed/ }))).click();
      expect(detail()?.classList).not.toContain('collapsed');
      expect(detail()?.textContent).toContain('HIVE_CANNOT_OPEN_SPLIT: Error opening Hive split');

      // Viewers neither sync nor change the measure; they see it.
      expect(el().querySelector('[data-testid=sync-now]')).toBeNull();
      expect(el().querySelector('[data-testid=settings-default-measure]')?.textContent).toBe('Unblended');

      // Paging asks the server for the next page.
      el().querySelector<HTMLButtonElement>('.mat-mdc-paginator-navigation-next')?.click();
      TestBed.tick();
      http()
        .expectOne('/api/cur/sync-runs?page=2&page_size=10')
        .flush({ ...runs([failed], 12), page: 2 });
      await fixture.whenStable();
    });

    it('syncs now, follows the run, then reloads the history', async () => {
      await open('admin', [ada], connection({ status: 'connected' }), runs([]));
      expect(el().querySelector('[data-testid=sync-runs-empty]')).not.toBeNull();
      await (await button('sync-now')).click();
      http().expectOne('/api/cur/sync').flush({ run_id: RUN_ID }, { status: 202, statusText: 'Accepted' });
      await pause();
      http()
        .expectOne(`/api/cur/sync-runs/${RUN_ID}`)
        .flush(
          syncRun({
            status: 'running',
            trigger: 'manual',
            progress: { phase: 'loading 2026-10', months_done: 0, months_total: 2, current_month: null },
          }),
        );
      TestBed.tick();
      const status = () => el().querySelector('[data-testid=sync-status]');
      expect(status()?.getAttribute('data-status')).toBe('running');
      expect(await (await button('sync-now')).isDisabled()).toBe(true);
      await pause();
      http()
        .expectOne(`/api/cur/sync-runs/${RUN_ID}`)
        .flush(syncRun({ trigger: 'manual' }));
      TestBed.tick();
      expect(status()?.getAttribute('data-status')).toBe('succeeded');
      http()
        .expectOne('/api/cur/sync-runs?page=1&page_size=10')
        .flush(runs([syncRun({ trigger: 'manual' })]));
      await fixture.whenStable();
      expect(el().querySelectorAll('[data-testid=sync-run-row]')).toHaveLength(1);
      expect(await (await button('sync-now')).isDisabled()).toBe(false);
    });

    it('loads history: the run shows its months, bytes scanned and their cost in the history', async () => {
      await open('owner', [ada], connection({ status: 'connected' }), runs([]));
      await (await button('load-history')).click();
      const post = http().expectOne('/api/cur/sync');
      expect(post.request.body).toEqual({ history: true });
      post.flush({ run_id: RUN_ID }, { status: 202, statusText: 'Accepted' });
      const history = syncRun({
        trigger: 'manual',
        mode: 'history',
        months: ['2026-05', '2026-04', '2026-03', '2026-02'],
        bytes_scanned: 1_200_000_000,
        estimated_cost_usd: 0.006,
      });
      await pause();
      http()
        .expectOne(`/api/cur/sync-runs/${RUN_ID}`)
        .flush({
          ...history,
          status: 'running',
          progress: { phase: 'querying 2026-04', months_done: 1, months_total: 4, current_month: '2026-04' },
        });
      TestBed.tick();
      expect(el().querySelector('[data-testid=sync-months]')?.textContent?.trim()).toBe(
        'month 2 of 4 (Apr 2026)',
      );
      expect(await (await button('load-history')).isDisabled()).toBe(true);
      await pause();
      http().expectOne(`/api/cur/sync-runs/${RUN_ID}`).flush(history);
      TestBed.tick();
      http()
        .expectOne('/api/cur/sync-runs?page=1&page_size=10')
        .flush(runs([history]));
      await fixture.whenStable();
      const table = await loader.getHarness(
        MatTableHarness.with({ selector: '[data-testid=sync-runs-table]' }),
      );
      const cells = await table.getCellTextByColumnName();
      expect(cells['trigger']?.text).toEqual(['Manual · load history']);
      expect(cells['months']?.text).toEqual(['Feb 2026 – May 2026 (4 months)']);
      expect(cells['scanned']?.text).toEqual(['1.2 GB ~$0.006']);
    });

    it('changes the default measure', async () => {
      await open('owner');
      const select = await loader.getHarness(
        MatSelectHarness.with({ selector: '[data-testid=settings-default-measure]' }),
      );
      expect(await select.getValueText()).toBe('Unblended');
      await select.clickOptions({ text: 'Amortized' });
      const req = http().expectOne('/api/tenants/current');
      expect(req.request.method).toBe('PATCH');
      expect(req.request.body).toEqual({ default_measure: 'amortized' });
      req.flush({ ...tenant, default_measure: 'amortized' });
      await fixture.whenStable();
      expect(await select.getValueText()).toBe('Amortized');
    });
  });
});

import { ComponentFixture, TestBed } from '@angular/core/testing';
import type { Connection, Dashboard as DashboardData, Role, SyncRun } from '@cost-optimizer/dto';
import { OTHER_RUN_ID, RUN_ID, dashboardData, emptyDashboard, syncRun } from '../../testing/cost-fixtures';
import { connection, errorBody, http, provideTestApp, withSession } from '../../testing/test-providers';
import { CHART_FACTORY, ChartInstance, ChartOption } from '../shared/chart';
import { stackTooltip } from '../shared/chart-options';
import { SYNC_POLL_MS } from '../sync/sync-tracker';
import { Dashboard } from './dashboard';

const connected = (): Connection => connection({ status: 'connected', data_through: '2026-11-23' });
const pause = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Dashboard', () => {
  let fixture: ComponentFixture<Dashboard>;
  let options: ChartOption[];

  async function open(data: DashboardData, opts: { role?: Role; aws?: Connection } = {}) {
    localStorage.clear();
    options = [];
    const fake: ChartInstance = {
      setOption: (option) => options.push(option),
      resize: () => undefined,
      dispose: () => undefined,
    };
    TestBed.configureTestingModule({
      providers: [
        provideTestApp(),
        { provide: SYNC_POLL_MS, useValue: 5 },
        { provide: CHART_FACTORY, useValue: () => Promise.resolve(fake) },
      ],
    });
    withSession({ role: opts.role ?? 'owner' });
    fixture = TestBed.createComponent(Dashboard);
    TestBed.tick();
    expect(el().querySelector('[data-testid=dashboard-loading]')).not.toBeNull();
    http()
      .expectOne('/api/tenants/connection')
      .flush(opts.aws ?? connected());
    http().expectOne('/api/dashboard').flush(data);
    await fixture.whenStable();
  }

  afterEach(() => http().verify());

  const el = () => fixture.nativeElement as HTMLElement;
  const byId = (id: string) => el().querySelector<HTMLElement>(`[data-testid=${id}]`);
  const text = (id: string) => byId(id)?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
  const rows = (id: string) =>
    [...el().querySelectorAll(`[data-testid=${id}] li`)].map((li) =>
      [...li.children].map((cell) => (cell.textContent ?? '').trim()).join(' '),
    );

  /** Answers the pending poll of a run (the tracker polls one request at a time). */
  async function answerPoll(id: string, run: SyncRun) {
    await pause();
    http().expectOne(`/api/cur/sync-runs/${id}`).flush(run);
    TestBed.tick();
  }

  it('shows the cards, the top lists, freshness and the chart from the dashboard response', async () => {
    await open(dashboardData());
    expect(text('dashboard-mtd')).toContain('$12,345.67');
    expect(text('dashboard-prev')).toContain('$11,890.12');
    expect(text('dashboard-prev')).toContain('+3.8%');
    expect(byId('dashboard-change')?.className).toContain('change-up');
    expect(text('dashboard-forecast')).toContain('$16,100.50');
    expect(text('dashboard-open-anomalies')).toContain('3');
    expect(byId('dashboard-open-anomalies')?.querySelector('a')?.getAttribute('href')).toBe('/anomalies');
    expect(rows('dashboard-top-services')).toEqual([
      'AmazonEC2 $8,200.10 +12.3%',
      'AmazonS3 $2,100.00 -4.5%',
      'AWSLambda $300.00 —',
    ]);
    expect(rows('dashboard-top-accounts')).toEqual(['123456789012 $12,345.67 +3.8%']);
    expect(rows('dashboard-top-regions')).toHaveLength(2);
    expect(el().querySelector('[data-testid=dashboard-top-services] .change-down')?.textContent).toContain(
      '-4.5%',
    );
    expect(text('dashboard-freshness')).toMatch(/^Data through Nov 23, 2026 · last sync .+, succeeded$/);
    expect(byId('dashboard-chart')).not.toBeNull();
    expect(byId('dashboard-connect-aws')).toBeNull();
    expect(byId('sync-now')).not.toBeNull();

    // The chart: stacked bars per service, the tooltip lists each service and the total.
    await pause(0);
    TestBed.tick();
    const option = options.at(-1) as { series: { name: string; stack: string }[]; dataZoom: unknown[] };
    expect(option.series.map((s) => s.name)).toEqual(['AmazonEC2', 'AmazonS3', 'Other']);
    expect(option.series.every((s) => s.stack === 'total')).toBe(true);
    expect(option.dataZoom).toHaveLength(2);
    const tooltip = stackTooltip(
      [
        { seriesName: 'AmazonEC2', value: 300, axisValueLabel: '2026-11-23' },
        { seriesName: 'AmazonS3', value: 80.25, axisValueLabel: '2026-11-23' },
      ],
      'USD',
    );
    expect(tooltip).toContain('AmazonEC2');
    expect(tooltip).toContain('$80.25');
    expect(tooltip).toContain('Total<span style="float:right;margin-left:16px">$380.25');
  });

  it('offers to connect AWS when no account is connected', async () => {
    await open(emptyDashboard(false), { aws: connection() });
    const link = byId('dashboard-connect-aws');
    expect(link?.getAttribute('href')).toBe('/connect-aws');
    expect(byId('dashboard-mtd')).toBeNull();
    expect(byId('sync-now')).toBeNull();
    expect(byId('dashboard-measure')).toBeNull();
  });

  it('says data is pending and shows the empty state before the first report', async () => {
    await open(emptyDashboard(true), { aws: connection({ status: 'pending_data' }) });
    expect(text('dashboard-pending-data')).toContain('24');
    expect(text('dashboard-empty')).toContain('No cost data yet');
    expect(text('dashboard-mtd')).toContain('$0.00');
    expect(byId('dashboard-chart')).toBeNull();
  });

  it('reloads with the measure picked in the selector', async () => {
    await open(dashboardData());
    const checked = el().querySelector('[data-testid=dashboard-measure] .mat-button-toggle-checked');
    expect(checked?.textContent?.trim()).toBe('Unblended');
    const amortized = [
      ...el().querySelectorAll<HTMLButtonElement>('[data-testid=dashboard-measure] button'),
    ].find((b) => b.textContent?.trim() === 'Amortized');
    amortized?.click();
    TestBed.tick();
    http()
      .expectOne('/api/dashboard?measure=amortized')
      .flush(dashboardData({ measure: 'amortized', month_to_date: 11000 }));
    await fixture.whenStable();
    expect(text('dashboard-mtd')).toContain('$11,000.00');
    expect(text('dashboard-mtd')).toContain('Amortized cost');
  });

  it('syncs now, shows live progress, then reloads the dashboard', async () => {
    await open(dashboardData());
    byId('sync-now')?.click();
    TestBed.tick();
    const post = http().expectOne('/api/cur/sync');
    expect(post.request.method).toBe('POST');
    expect(post.request.body).toEqual({});
    post.flush({ run_id: RUN_ID }, { status: 202, statusText: 'Accepted' });
    TestBed.tick();
    expect(byId('sync-status')?.getAttribute('data-status')).toBe('queued');
    expect((byId('sync-now') as HTMLButtonElement).disabled).toBe(true);

    await answerPoll(
      RUN_ID,
      syncRun({
        status: 'running',
        trigger: 'manual',
        progress: { phase: 'querying 2026-11', months_done: 1, months_total: 2, current_month: null },
        finished_at: null,
      }),
    );
    expect(byId('sync-status')?.getAttribute('data-status')).toBe('running');
    expect(text('sync-status')).toContain('querying 2026-11');
    expect(text('sync-status')).toContain('1 / 2 months');
    expect(byId('sync-status')?.querySelector('mat-progress-bar')?.getAttribute('aria-valuenow')).toBe('50');

    await answerPoll(RUN_ID, syncRun({ status: 'succeeded', trigger: 'manual' }));
    expect(byId('sync-status')?.getAttribute('data-status')).toBe('succeeded');
    http()
      .expectOne('/api/dashboard')
      .flush(dashboardData({ month_to_date: 13000 }));
    http().expectOne('/api/tenants/connection').flush(connected());
    await fixture.whenStable();
    expect(text('dashboard-mtd')).toContain('$13,000.00');
    expect((byId('sync-now') as HTMLButtonElement).disabled).toBe(false);
    await pause();
    http().expectNone(`/api/cur/sync-runs/${RUN_ID}`);
  });

  it('follows the run already going when the sync is refused with 409', async () => {
    await open(dashboardData());
    byId('sync-now')?.click();
    TestBed.tick();
    http()
      .expectOne('/api/cur/sync')
      .flush(errorBody('CONFLICT', 'A sync is already running', { run_id: OTHER_RUN_ID }), {
        status: 409,
        statusText: 'Conflict',
      });
    TestBed.tick();
    expect(byId('sync-error')).toBeNull();
    await answerPoll(
      OTHER_RUN_ID,
      syncRun({
        id: OTHER_RUN_ID,
        status: 'failed',
        error: { code: 'ATHENA_QUERY_FAILED', message: 'Athena failed', aws_error: 'HIVE_BAD_DATA: x' },
      }),
    );
    expect(byId('sync-status')?.getAttribute('data-status')).toBe('failed');
    expect(text('sync-status')).toContain('HIVE_BAD_DATA: x');
    http().expectOne('/api/dashboard').flush(dashboardData());
    http().expectOne('/api/tenants/connection').flush(connected());
    await fixture.whenStable();
  });

  it('explains a sync refused because AWS is not connected', async () => {
    await open(dashboardData());
    byId('sync-now')?.click();
    TestBed.tick();
    http()
      .expectOne('/api/cur/sync')
      .flush(errorBody('NOT_CONNECTED', 'No AWS connection'), { status: 422, statusText: 'Unprocessable' });
    TestBed.tick();
    expect(text('sync-error')).toContain('Connect an AWS account first');
  });

  it('follows a nightly sync that is running when the page opens', async () => {
    await open(
      dashboardData({
        last_sync: syncRun({
          status: 'running',
          progress: { phase: 'loading', months_done: 1, months_total: 2, current_month: null },
        }),
      }),
    );
    expect(byId('sync-status')?.getAttribute('data-status')).toBe('running');
    await answerPoll(RUN_ID, syncRun());
    http().expectOne('/api/dashboard').flush(dashboardData());
    http().expectOne('/api/tenants/connection').flush(connected());
    await fixture.whenStable();
    expect(byId('sync-status')?.getAttribute('data-status')).toBe('succeeded');
  });

  it('while history loads, says so, leaves unloaded days out of the chart and fills in month by month', async () => {
    const loading = (done: number, month: string | null) =>
      syncRun({
        status: 'running',
        trigger: 'connect',
        mode: 'backfill',
        months: ['2026-11', '2026-10', '2026-09', '2026-08'],
        progress: { phase: `querying ${month}`, months_done: done, months_total: 13, current_month: month },
        bytes_scanned: 1_200_000_000,
        estimated_cost_usd: 0.006,
        finished_at: null,
      });
    await open(dashboardData({ data_from: '2026-10-01', last_sync: loading(2, '2026-09') }));
    expect(text('dashboard-history-loading')).toContain(
      'History is still loading, month 3 of 13 (Sep 2026): days',
    );
    expect(text('dashboard-history-loading')).toContain('days before Oct 1, 2026 are not loaded yet');
    expect(text('sync-status')).toContain('1.2 GB scanned (~$0.006)');
    await pause();
    const dates = () => (options.at(-1) as { xAxis: { data: string[] } }).xAxis.data;
    expect(dates()[0]).toBe('2026-10-01');
    expect(dates().at(-1)).toBe('2026-11-23');

    // The next month landed: the dashboard reloads and shows it.
    await answerPoll(RUN_ID, loading(3, '2026-08'));
    http()
      .expectOne('/api/dashboard')
      .flush(dashboardData({ data_from: '2026-09-01', last_sync: loading(3, '2026-08') }));
    await fixture.whenStable();
    await pause();
    expect(text('dashboard-history-loading')).toContain('days before Sep 1, 2026 are not loaded yet');
    expect(dates()[0]).toBe('2026-09-01');

    // Done: no more notice; the whole 90 days are drawn.
    await answerPoll(RUN_ID, syncRun({ mode: 'backfill', trigger: 'connect' }));
    http().expectOne('/api/dashboard').flush(dashboardData());
    http().expectOne('/api/tenants/connection').flush(connected());
    await fixture.whenStable();
    await pause();
    expect(byId('dashboard-history-loading')).toBeNull();
    expect(dates()[0]).toBe('2026-08-26');
  });

  it('has no sync button for viewers', async () => {
    await open(dashboardData(), { role: 'viewer' });
    expect(byId('sync-now')).toBeNull();
    expect(byId('dashboard-mtd')).not.toBeNull();
  });
});

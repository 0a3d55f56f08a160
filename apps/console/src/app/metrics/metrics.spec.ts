import { HarnessLoader, manualChangeDetection } from '@angular/cdk/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatButtonToggleHarness } from '@angular/material/button-toggle/testing';
import { MatDialogHarness } from '@angular/material/dialog/testing';
import { MatTableHarness } from '@angular/material/table/testing';
import type { MetricCollection, MetricPoints, MetricWatch, MetricWatchPage, Role } from '@cost-optimizer/dto';
import { http, provideTestApp, withSession } from '../../testing/test-providers';
import { MetricDetail } from './metric-detail';
import { Metrics } from './metrics';

const WATCH_ID = '44444444-4444-4444-8444-444444444444';
const LIST = '/api/metric-watches?page=1&page_size=20';

function watch(overrides: Partial<MetricWatch> = {}): MetricWatch {
  return {
    id: WATCH_ID,
    namespace: 'AWS/EC2',
    metric_name: 'CPUUtilization',
    dimensions: [{ name: 'InstanceId', value: 'i-0abc' }],
    stat: 'Average',
    period: 300,
    region: 'us-east-1',
    label: 'CPUUtilization i-0abc (Average)',
    cost_service: 'AmazonEC2',
    preset: 'ec2_cpu',
    enabled: true,
    last_ts: '2026-11-24T10:00:00.000Z',
    last_value: 42.5,
    sparkline: [
      { ts: '2026-11-24T09:00:00.000Z', value: 40 },
      { ts: '2026-11-24T09:30:00.000Z', value: 42.5 },
    ],
    open_anomalies: 1,
    created_at: '2026-11-20T10:00:00.000Z',
    ...overrides,
  };
}

const page = (items: MetricWatch[]): MetricWatchPage => ({
  items,
  total: items.length,
  page: 1,
  page_size: 20,
});

function collection(): MetricCollection {
  return {
    schedule: '*/5 * * * *',
    watches: 1,
    last_24h: {
      runs: 288,
      calls: 288,
      metrics_requested: 288,
      points_stored: 288,
      estimated_cost_usd: 0.00288,
    },
    estimated_monthly_cost_usd: 0.0864,
    runs: [],
  };
}

describe('Metrics', () => {
  let fixture: ComponentFixture<Metrics>;
  let loader: HarnessLoader;
  let root: HarnessLoader;

  async function open(p: MetricWatchPage, role: Role = 'owner') {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideTestApp()] });
    withSession({ role });
    fixture = TestBed.createComponent(Metrics);
    loader = TestbedHarnessEnvironment.loader(fixture);
    root = TestbedHarnessEnvironment.documentRootLoader(fixture);
    TestBed.tick();
    http().expectOne(LIST).flush(p);
    http().expectOne('/api/metric-watches/collection').flush(collection());
    await fixture.whenStable();
  }

  afterEach(() => http().verify());
  const el = () => fixture.nativeElement as HTMLElement;
  const text = (id: string) =>
    el().querySelector(`[data-testid=${id}]`)?.textContent?.replace(/\s+/g, ' ').trim() ?? '';

  it('lists watches with their last value, sparkline and the collection cost', async () => {
    await open(page([watch()]));
    const table = await loader.getHarness(MatTableHarness.with({ selector: '[data-testid=metrics-table]' }));
    const rows = await table.getCellTextByIndex();
    expect(rows[0]![0]).toContain('CPUUtilization i-0abc (Average)');
    expect(rows[0]![1]).toBe('us-east-1');
    expect(rows[0]![3]).toBe('42.50');
    expect(rows[0]![4]).toBe('1');
    expect(el().querySelectorAll('[data-testid=metric-sparkline]')).toHaveLength(1);
    expect(text('metrics-stats-calls')).toBe('288');
    expect(text('metrics-stats-cost')).toBe('$0.00288');
    expect(text('metrics-stats')).toContain('About $0.09 a month');
  });

  it('shows the empty state, and viewers get no management buttons', async () => {
    await open(page([]), 'viewer');
    expect(text('metrics-empty')).toContain('No metrics watched yet');
    expect(el().querySelector('[data-testid=metrics-discover]')).toBeNull();
    expect(el().querySelector('[data-testid=metrics-collect]')).toBeNull();
  });

  it('deletes a watch after confirmation, then reloads', async () => {
    await open(page([watch()]));
    await (
      await loader.getHarness(MatButtonHarness.with({ selector: '[data-testid=metric-delete]' }))
    ).click();
    const dialog = await root.getHarness(MatDialogHarness);
    expect(await dialog.getText()).toContain('Stop watching this metric?');
    await (await root.getHarness(MatButtonHarness.with({ selector: '[data-testid=confirm-ok]' }))).click();
    const del = http().expectOne(`/api/metric-watches/${WATCH_ID}`);
    expect(del.request.method).toBe('DELETE');
    del.flush(null, { status: 204, statusText: 'No Content' });
    TestBed.tick();
    http().expectOne(LIST).flush(page([]));
    http().expectOne('/api/metric-watches/collection').flush(collection());
    await fixture.whenStable();
    expect(text('metrics-empty')).toContain('No metrics watched');
  });
});

describe('MetricDetail', () => {
  let fixture: ComponentFixture<MetricDetail>;
  let loader: HarnessLoader;

  const points = (n: number): MetricPoints => ({
    watch_id: WATCH_ID,
    from: '2026-11-23T10:00:00.000Z',
    to: '2026-11-24T10:00:00.000Z',
    bucket_seconds: 300,
    points: Array.from({ length: n }, (_, i) => ({
      ts: new Date(Date.parse('2026-11-24T08:00:00Z') + i * 300_000).toISOString(),
      value: 40 + i,
      min: 40 + i,
      max: 40 + i,
    })),
    anomalies: [
      {
        id: '55555555-5555-4555-8555-555555555555',
        start_at: '2026-11-24T08:10:00.000Z',
        end_at: '2026-11-24T08:15:00.000Z',
        status: 'open',
        severity: 'high',
        expected: 41,
        actual: 90,
      },
    ],
  });

  it('charts the points with the anomalies and reloads for another range', async () => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideTestApp()] });
    withSession();
    fixture = TestBed.createComponent(MetricDetail);
    fixture.componentRef.setInput('id', WATCH_ID);
    loader = TestbedHarnessEnvironment.loader(fixture);
    TestBed.tick();
    http().expectOne(`/api/metric-watches/${WATCH_ID}`).flush(watch());
    const first = http().expectOne((r) => r.url === `/api/metric-watches/${WATCH_ID}/points`);
    const from = Date.parse(first.request.params.get('from')!);
    const to = Date.parse(first.request.params.get('to')!);
    expect(to - from).toBe(86_400_000);
    first.flush(points(12));
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelector('[data-testid=metric-title]')?.textContent).toContain('CPUUtilization i-0abc');
    expect(el.querySelector('[data-testid=metric-points-count]')?.textContent).toContain('12 points');
    expect(el.querySelector('[data-testid=metric-points-count]')?.textContent).toContain('1 anomalies');
    expect(el.querySelector('[data-testid=metric-detail-last]')?.textContent?.trim()).toBe('42.50');

    await manualChangeDetection(async () => {
      await (await loader.getHarness(MatButtonToggleHarness.with({ text: '7 days' }))).check();
    });
    TestBed.tick();
    const week = http().expectOne((r) => r.url === `/api/metric-watches/${WATCH_ID}/points`);
    expect(Date.parse(week.request.params.get('to')!) - Date.parse(week.request.params.get('from')!)).toBe(
      7 * 86_400_000,
    );
    week.flush({ ...points(0), anomalies: [] });
    await fixture.whenStable();
    expect(el.querySelector('[data-testid=metric-points-empty]')).not.toBeNull();
  });
});

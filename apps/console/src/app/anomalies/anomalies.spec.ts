import { HarnessLoader, manualChangeDetection } from '@angular/cdk/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatSelectHarness } from '@angular/material/select/testing';
import { MatTableHarness } from '@angular/material/table/testing';
import type { AnomalyPage, Role } from '@cost-optimizer/dto';
import { anomaly, anomalyPage, monitor } from '../../testing/anomaly-fixtures';
import { http, provideTestApp, withSession } from '../../testing/test-providers';
import { Anomalies } from './anomalies';

const LIST = '/api/anomalies?sort=start&page=1&page_size=20';

describe('Anomalies', () => {
  let fixture: ComponentFixture<Anomalies>;
  let loader: HarnessLoader;

  async function open(page: AnomalyPage, role: Role = 'owner') {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideTestApp()] });
    withSession({ role });
    fixture = TestBed.createComponent(Anomalies);
    loader = TestbedHarnessEnvironment.loader(fixture);
    TestBed.tick();
    http()
      .expectOne('/api/anomaly-monitors')
      .flush({ items: [monitor()] });
    http().expectOne(LIST).flush(page);
    await fixture.whenStable();
  }

  afterEach(() => http().verify());

  const el = () => fixture.nativeElement as HTMLElement;
  const byId = (id: string) => el().querySelector<HTMLElement>(`[data-testid=${id}]`);

  it('lists anomalies with impact, where, days, severity, status and feedback', async () => {
    await open(
      anomalyPage([
        anomaly(),
        anomaly({
          id: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
          dimension: 'account',
          monitor_name: 'Per account',
          dimension_value: '111122223333',
          start_date: '2026-11-10',
          end_date: '2026-11-10',
          impact_usd: 55,
          impact_pct: null,
          severity: 'low',
          status: 'closed',
          feedback: 'planned_activity',
          change_kind: 'new_series',
        }),
      ]),
    );
    const table = await loader.getHarness(
      MatTableHarness.with({ selector: '[data-testid=anomalies-table]' }),
    );
    const rows = await table.getCellTextByIndex();
    expect(rows[0]).toEqual([
      '$420.10+140.0%',
      'north_east Spike',
      'AmazonEC2Per service · Service',
      'Nov 18, 2026 – Nov 20, 2026',
      'High',
      'Open',
      'None yet',
    ]);
    expect(rows[1]).toEqual([
      '$55.00new',
      'fiber_new New service',
      '111122223333Per account · Account',
      'Nov 10, 2026',
      'Low',
      'Closed',
      'Planned activity',
    ]);
    expect(el().querySelectorAll('[data-testid=anomaly-row]')).toHaveLength(2);
    expect(el().querySelector('[data-testid=anomaly-link]')?.getAttribute('href')).toBe(
      `/anomalies/${anomaly().id}`,
    );
    expect(byId('anomalies-empty')).toBeNull();
  });

  it('explains when the first results appear when there are none', async () => {
    await open(anomalyPage([]));
    const text = byId('anomalies-empty')?.textContent ?? '';
    expect(text).toContain('No anomalies yet');
    expect(text).toContain('after every cost sync');
    expect(text).toContain('about 2 days');
    expect(text).toContain('from its first day');
    expect(byId('anomalies-table')).toBeNull();
  });

  it('filters by status and sorts by impact', async () => {
    await open(anomalyPage());
    const status = await loader.getHarness(
      MatSelectHarness.with({ selector: '[data-testid=anomalies-status-filter]' }),
    );
    await status.open();
    await manualChangeDetection(() => status.clickOptions({ text: 'Open' }));
    TestBed.tick();
    http().expectOne('/api/anomalies?sort=start&page=1&page_size=20&status=open').flush(anomalyPage([]));
    await fixture.whenStable();
    expect(byId('anomalies-empty')?.textContent).toContain('No anomalies match these filters');

    const sort = await loader.getHarness(MatSelectHarness.with({ selector: '[data-testid=anomalies-sort]' }));
    await sort.open();
    await manualChangeDetection(() => sort.clickOptions({ text: 'Largest impact first' }));
    TestBed.tick();
    http().expectOne('/api/anomalies?sort=impact&page=1&page_size=20&status=open').flush(anomalyPage());
    await fixture.whenStable();
    expect(el().querySelectorAll('[data-testid=anomaly-row]')).toHaveLength(1);
  });

  it('shows drops as their own kind, with a negative impact, and filters by kind', async () => {
    await open(
      anomalyPage([
        anomaly({
          change_kind: 'drop',
          impact_usd: -310.5,
          impact_pct: -92.4,
          grouped_count: 2,
          dimension_value: 'AWSGlue / 222233334444',
          dimension: 'service_account',
          monitor_name: 'Per service and linked account',
        }),
      ]),
    );
    const table = await loader.getHarness(
      MatTableHarness.with({ selector: '[data-testid=anomalies-table]' }),
    );
    const [row] = await table.getCellTextByIndex();
    expect(row!.slice(0, 3)).toEqual([
      '-$310.50-92.4%',
      'south Drop Also seen by 2 other series',
      'AWSGlue / 222233334444Per service and linked account · Service × account',
    ]);
    expect(byId('anomaly-kind')?.classList).toContain('drop');

    const kind = await loader.getHarness(
      MatSelectHarness.with({ selector: '[data-testid=anomalies-kind-filter]' }),
    );
    await kind.open();
    const options = await kind.getOptions();
    expect(await Promise.all(options.map((o) => o.getText()))).toEqual([
      'Any kind',
      'Spike',
      'Level shift',
      'Ramp',
      'Drop',
      'Weekend not scaled down',
      'New service',
      'Drift',
    ]);
    await manualChangeDetection(() => kind.clickOptions({ text: 'Level shift' }));
    TestBed.tick();
    http()
      .expectOne('/api/anomalies?sort=start&page=1&page_size=20&change_kind=level_shift')
      .flush(anomalyPage([anomaly({ change_kind: 'level_shift' })]));
    await fixture.whenStable();
    expect(byId('anomaly-kind')?.textContent?.replace(/\s+/g, ' ').trim()).toBe('stairs Level shift');
    expect(byId('anomaly-kind')?.classList).not.toContain('drop');
  });

  it('runs detection for an owner, then reloads', async () => {
    await open(anomalyPage([]));
    await (
      await loader.getHarness(MatButtonHarness.with({ selector: '[data-testid=anomalies-detect]' }))
    ).click();
    const req = http().expectOne('/api/anomalies/detect');
    expect(req.request.method).toBe('POST');
    req.flush(
      { judged_through: '2026-11-22', series: 12, days_judged: 90, anomalies_open: 1 },
      { status: 202, statusText: 'Accepted' },
    );
    TestBed.tick();
    http().expectOne(LIST).flush(anomalyPage());
    await fixture.whenStable();
    expect(el().querySelectorAll('[data-testid=anomaly-row]')).toHaveLength(1);
  });

  it('has no Detect now for a viewer', async () => {
    await open(anomalyPage(), 'viewer');
    expect(byId('anomalies-detect')).toBeNull();
  });
});

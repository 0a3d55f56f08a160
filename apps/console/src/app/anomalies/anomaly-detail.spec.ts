import { HarnessLoader } from '@angular/cdk/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatInputHarness } from '@angular/material/input/testing';
import { MatTableHarness } from '@angular/material/table/testing';
import type { Role } from '@cost-optimizer/dto';
import { ANOMALY_ID, anomaly, anomalyDetail } from '../../testing/anomaly-fixtures';
import { http, provideTestApp, withSession } from '../../testing/test-providers';
import { CHART_FACTORY, ChartInstance, ChartOption } from '../shared/chart';
import { AnomalyDetail } from './anomaly-detail';

const pause = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

describe('AnomalyDetail', () => {
  let fixture: ComponentFixture<AnomalyDetail>;
  let loader: HarnessLoader;
  let options: ChartOption[];

  async function open(role: Role = 'owner', detail = anomalyDetail()) {
    localStorage.clear();
    options = [];
    const fake: ChartInstance = {
      setOption: (option) => options.push(option),
      resize: () => undefined,
      dispose: () => undefined,
    };
    TestBed.configureTestingModule({
      providers: [provideTestApp(), { provide: CHART_FACTORY, useValue: () => Promise.resolve(fake) }],
    });
    withSession({ role });
    fixture = TestBed.createComponent(AnomalyDetail);
    fixture.componentRef.setInput('id', ANOMALY_ID);
    loader = TestbedHarnessEnvironment.loader(fixture);
    TestBed.tick();
    http().expectOne(`/api/anomalies/${ANOMALY_ID}`).flush(detail);
    await fixture.whenStable();
  }

  afterEach(() => http().verify());

  const el = () => fixture.nativeElement as HTMLElement;
  const byId = (id: string) => el().querySelector<HTMLElement>(`[data-testid=${id}]`);
  const text = (id: string) => byId(id)?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
  const button = (id: string) =>
    loader.getHarness(MatButtonHarness.with({ selector: `[data-testid=${id}]` }));

  it('names the kind of change and lists the other series that saw the same incident', async () => {
    await open(
      'owner',
      anomalyDetail(
        {
          change_kind: 'level_shift',
          dimension: 'service_account',
          dimension_value: 'AmazonDynamoDB / 222233334444',
          grouped_count: 2,
        },
        [
          {
            id: 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb',
            monitor_name: 'Per usage type (material spend)',
            dimension: 'account_usage_type',
            dimension_value: 'AmazonDynamoDB / 222233334444 / USE1-TimedStorage-ByteHrs',
            change_kind: 'level_shift',
            impact_usd: 240,
          },
          {
            id: 'cccccccc-cccc-4ccc-8ccc-cccccccccccc',
            monitor_name: 'Total usage',
            dimension: 'total',
            dimension_value: 'total',
            change_kind: 'spike',
            impact_usd: 260,
          },
        ],
      ),
    );
    expect(text('anomaly-detail-kind')).toBe('stairs Level shift');
    expect(text('anomaly-grouped')).toContain(
      'AmazonDynamoDB / 222233334444 / USE1-TimedStorage-ByteHrs Per usage type (material spend) · Level shift · $240.00',
    );
    expect(text('anomaly-grouped')).toContain('total Total usage · Spike · $260.00');
    expect(byId('anomaly-grouped-into')).toBeNull();
  });

  it('shows a drop with its negative impact, and links a grouped episode to the one listed', async () => {
    await open(
      'owner',
      anomalyDetail({
        change_kind: 'drop',
        impact_usd: -310.5,
        impact_pct: -92.4,
        grouped_into: 'dddddddd-dddd-4ddd-8ddd-dddddddddddd',
      }),
    );
    expect(text('anomaly-detail-kind')).toBe('south Drop');
    expect(byId('anomaly-detail-kind')?.classList).toContain('drop');
    expect(text('anomaly-impact')).toContain('-$310.50');
    expect(text('anomaly-impact')).toContain('-92.4%');
    expect(byId('anomaly-grouped')).toBeNull();
    expect(byId('anomaly-grouped-into')?.querySelector('a')?.getAttribute('href')).toBe(
      '/anomalies/dddddddd-dddd-4ddd-8ddd-dddddddddddd',
    );
  });

  it('shows the figures, the explanation, the chart and the root causes', async () => {
    await open();
    expect(text('anomaly-expected')).toContain('$300.00');
    expect(text('anomaly-actual')).toContain('$720.10');
    expect(text('anomaly-impact')).toContain('$420.10');
    expect(text('anomaly-impact')).toContain('+140.0%');
    expect(text('anomaly-score')).toContain('0.93');
    expect(text('anomaly-explanation')).toContain('well beyond the expected range');
    expect(text('anomaly-explanation')).toContain('Nov 19, 2026: $150.50');
    expect(byId('anomaly-detail-chart')).not.toBeNull();

    const table = await loader.getHarness(
      MatTableHarness.with({ selector: '[data-testid=anomaly-root-causes]' }),
    );
    expect(await table.getCellTextByIndex()).toEqual([
      ['Usage type', 'BoxUsage:m5.large', '$366.40', '87.2%'],
      ['Region', 'us-east-1', '$53.70', '12.8%'],
    ]);

    // The chart: actual with the episode shaded, expected, and the band stacked on the lower bound.
    await pause();
    TestBed.tick();
    const option = options.at(-1) as {
      series: { name: string; stack?: string; data: unknown[]; markArea?: { data: unknown[] } }[];
    };
    expect(option.series.map((s) => s.name)).toEqual(['Lower', 'Expected range', 'Expected', 'Actual']);
    expect(option.series[1]?.data).toEqual([40, 40, 40, 40, 40, 40]);
    expect(option.series[3]?.markArea?.data).toEqual([[{ xAxis: '2026-11-18' }, { xAxis: '2026-11-20' }]]);
  });

  it('posts feedback with a note and explains its effect', async () => {
    await open();
    expect(text('anomaly-feedback-state')).toContain('No feedback yet');
    const note = await loader.getHarness(
      MatInputHarness.with({ selector: '[data-testid=anomaly-feedback-note]' }),
    );
    await note.setValue('Load test');
    await (await button('anomaly-feedback-no')).click();

    const req = http().expectOne(`/api/anomalies/${ANOMALY_ID}/feedback`);
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({ feedback: 'no', note: 'Load test' });
    req.flush(
      anomaly({
        feedback: 'no',
        feedback_note: 'Load test',
        suppressed_by_feedback: {
          source_anomaly_id: ANOMALY_ID,
          feedback: 'no',
          factor: 2,
          min_impact_usd: 840.2,
          min_deviation: null,
          held_back: false,
        },
      }),
    );
    await fixture.whenStable();
    expect(byId('anomaly-feedback-state')?.getAttribute('data-feedback')).toBe('no');
    expect(text('anomaly-feedback-state')).toContain('Not an anomaly');
    expect(text('anomaly-feedback-state')).toContain('Load test');
    expect(text('anomaly-suppression')).toContain("Similar changes on this series under $840.20 won't alert");
    // The root causes stay (the feedback answer carries no series).
    expect(byId('anomaly-root-causes')).not.toBeNull();
  });

  it('sends planned activity without a note', async () => {
    await open();
    await (await button('anomaly-feedback-planned')).click();
    const req = http().expectOne(`/api/anomalies/${ANOMALY_ID}/feedback`);
    expect(req.request.body).toEqual({ feedback: 'planned_activity' });
    req.flush(anomaly({ feedback: 'planned_activity' }));
    await fixture.whenStable();
    expect(text('anomaly-feedback-state')).toContain('Planned activity');
  });

  it('shows feedback read-only to a viewer', async () => {
    await open('viewer', anomalyDetail({ feedback: 'yes' }));
    expect(text('anomaly-feedback-state')).toContain('Yes, it is an anomaly');
    expect(byId('anomaly-feedback-yes')).toBeNull();
  });
});

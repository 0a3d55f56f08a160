import {
  digestOrder,
  renderHtml,
  renderSlack,
  renderText,
  renderWebhook,
  sampleItem,
  subjectOf,
  type MetricAlertItem,
} from './alert-message';

/** A NAT gateway that moved 4.8 GB in a minute against ~1 GB expected. */
const nat: MetricAlertItem = {
  kind: 'metric',
  anomaly_id: '11111111-1111-4111-8111-111111111111',
  level: 2,
  follow_up: false,
  watch_id: '22222222-2222-4222-8222-222222222222',
  label: 'BytesOutToDestination nat-0abc (Sum)',
  metric: {
    namespace: 'AWS/NATGateway',
    name: 'BytesOutToDestination',
    dimensions: [{ name: 'NatGatewayId', value: 'nat-0abc' }],
    stat: 'Sum',
    period: 60,
    region: 'eu-west-1',
  },
  start_at: '2026-11-25T10:05:00.000Z',
  end_at: '2026-11-25T10:12:00.000Z',
  status: 'open',
  expected: 1_000_000_000,
  actual: 4_800_000_000,
  deviation: 3_800_000_000,
  impact_pct: 380,
  severity: 'high',
  url: 'https://costs.example.com/anomalies/11111111-1111-4111-8111-111111111111',
};

describe('alert messages of metric episodes', () => {
  it('subject and text: metric, dimensions, stat, region, start timestamp, values in the metric units, %, link', () => {
    const subject = subjectOf('alert', [nat], 'Ops');
    expect(subject).toBe(
      '[Cost Optimizer] Metric AWS/NATGateway BytesOutToDestination +380.0 % (4,800,000,000 vs 1,000,000,000 expected), NatGatewayId=nat-0abc, eu-west-1, since 2026-11-25 10:05:00 UTC',
    );
    expect(subject).not.toContain('$');
    const text = renderText('alert', [nat], 'Ops');
    expect(text).toContain('A CloudWatch metric anomaly reached the threshold of the subscription "Ops".');
    expect(text).toContain(
      'Metric AWS/NATGateway BytesOutToDestination (NatGatewayId=nat-0abc), Sum per 60 s, eu-west-1',
    );
    expect(text).toContain("Deviation: +380.0 % (+3,800,000,000 in the metric's units), high severity, open");
    expect(text).toContain('Value: 4,800,000,000 against 1,000,000,000 expected');
    expect(text).toContain('Started: 2026-11-25 10:05:00 UTC, last anomalous point 2026-11-25 10:12:00 UTC');
    expect(text).toContain(`Details: ${nat.url}`);
    expect(text).not.toContain('$');
  });

  it('a drop, nothing expected and a follow-up read right', () => {
    const drop = { ...nat, actual: 100, expected: 400, deviation: -300, impact_pct: -75, follow_up: true };
    expect(subjectOf('alert', [drop], 'Ops')).toContain('grew to -75.0 % (100 vs 400 expected)');
    expect(renderText('alert', [drop], 'Ops')).toContain('-300 in the metric');
    const fresh = { ...nat, expected: 0, actual: 3, deviation: 3, impact_pct: null };
    expect(subjectOf('alert', [fresh], 'Ops')).toContain('nothing expected (3 vs 0 expected)');
  });

  it('HTML escapes and links; Slack carries the same facts', () => {
    const html = renderHtml('alert', [{ ...nat, metric: { ...nat.metric, name: '<b>x</b>' } }], 'Ops');
    expect(html).toContain('&lt;b&gt;x&lt;/b&gt;');
    expect(html).toContain(`href="${nat.url}"`);
    expect(html).toContain('2026-11-25 10:05:00 UTC');
    const slack = renderSlack('alert', [nat], 'Ops');
    const section = JSON.stringify(slack.blocks[1]);
    expect(section).toContain(`<${nat.url}|Metric AWS/NATGateway BytesOutToDestination>`);
    expect(section).toContain('+380.0 %');
    expect(section).toContain('Sum per 60 s · eu-west-1 · since 2026-11-25 10:05:00 UTC');
  });

  it('webhook JSON: kind metric with a metric block and no dollar impact; cost entries say kind cost', () => {
    const body = renderWebhook('alert', [nat], { id: 's', name: 'Ops' }, 'd', new Date(0)) as {
      anomalies: Record<string, unknown>[];
    };
    expect(body.anomalies[0]).toEqual({
      id: nat.anomaly_id,
      kind: 'metric',
      url: nat.url,
      level: 2,
      follow_up: false,
      metric: {
        watch_id: nat.watch_id,
        label: nat.label,
        namespace: 'AWS/NATGateway',
        name: 'BytesOutToDestination',
        dimensions: [{ name: 'NatGatewayId', value: 'nat-0abc' }],
        stat: 'Sum',
        period: 60,
        region: 'eu-west-1',
      },
      start_at: nat.start_at,
      end_at: nat.end_at,
      status: 'open',
      expected: 1_000_000_000,
      actual: 4_800_000_000,
      deviation: 3_800_000_000,
      impact_pct: 380,
      severity: 'high',
    });
    const cost = renderWebhook(
      'alert',
      [sampleItem('https://x')],
      { id: 's', name: 'Ops' },
      'd',
      new Date(0),
    );
    expect((cost as typeof body).anomalies[0]).toMatchObject({ kind: 'cost', impact_usd: 250 });
  });

  it('a digest of both kinds: cost first by $, metric after, dollars summed over cost only', () => {
    const cost = sampleItem('https://x');
    const items = [nat, { ...cost, impact_usd: 50 }, cost].sort(digestOrder);
    expect(items.map((i) => i.kind ?? 'cost')).toEqual(['cost', 'cost', 'metric']);
    expect(subjectOf('digest', items, 'Ops')).toBe(
      '[Cost Optimizer] 3 anomalies: 2 cost ($300.00 impact), 1 metric (Ops)',
    );
    expect(subjectOf('digest', [nat], 'Ops')).toBe('[Cost Optimizer] 1 metric anomaly (Ops)');
    expect(subjectOf('digest', [cost], 'Ops')).toBe('[Cost Optimizer] 1 cost anomaly, $250.00 impact (Ops)');
  });
});

/** Alert messages (email, Slack, webhook JSON) rendered from the episode snapshots stored in the outbox. Pure. */

export type DeliveryKind = 'alert' | 'digest' | 'test';

/** What an alert says about one episode, frozen when the alert was queued. */
export interface AlertItem {
  anomaly_id: string;
  level: number;
  follow_up: boolean;
  monitor_id: string;
  monitor_name: string;
  dimension: string;
  dimension_value: string;
  start_date: string;
  end_date: string;
  status: 'open' | 'closed';
  expected: number;
  actual: number;
  impact_usd: number;
  impact_pct: number | null;
  severity: 'low' | 'medium' | 'high';
  root_causes: { dimension: string; key: string; contribution_usd: number; contribution_pct: number }[];
  url: string;
}

const usd = (n: number) =>
  `${n < 0 ? '-' : ''}$${Math.abs(n).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const pct = (p: number | null) => (p === null ? 'new spend' : `${p >= 0 ? '+' : ''}${p.toFixed(1)} %`);
const dates = (i: AlertItem) =>
  i.start_date === i.end_date ? i.start_date : `${i.start_date} to ${i.end_date}`;
const what = (i: AlertItem) => (i.dimension === 'total' ? 'Total usage' : i.dimension_value);
const causes = (i: AlertItem) =>
  i.root_causes.map(
    (c) => `${c.dimension} ${c.key}: ${usd(c.contribution_usd)} (${c.contribution_pct.toFixed(0)} %)`,
  );

export function subjectOf(kind: DeliveryKind, items: readonly AlertItem[], subscriptionName: string): string {
  const first = items[0];
  if (kind === 'digest' || !first) {
    const total = items.reduce((s, i) => s + i.impact_usd, 0);
    return `[Cost Optimizer] ${items.length} cost ${items.length === 1 ? 'anomaly' : 'anomalies'}, ${usd(total)} impact (${subscriptionName})`;
  }
  const prefix = kind === 'test' ? '[Cost Optimizer] TEST: ' : '[Cost Optimizer] ';
  const grew = first.follow_up ? 'grew to ' : '';
  return `${prefix}${what(first)} ${grew}+${usd(first.impact_usd)} (${pct(first.impact_pct)}), ${first.monitor_name}, ${dates(first)}`;
}

function itemText(i: AlertItem): string {
  const lines = [
    `${what(i)} (${i.monitor_name}${i.dimension === 'total' ? '' : `, ${i.dimension}`})${i.follow_up ? ' - follow-up: the episode grew' : ''}`,
    `  Impact: ${usd(i.impact_usd)} (${pct(i.impact_pct)}), ${i.severity} severity, ${i.status}`,
    `  Cost: ${usd(i.actual)} against ${usd(i.expected)} expected`,
    `  Dates: ${dates(i)}`,
  ];
  const c = causes(i);
  if (c.length) lines.push('  Top root causes:', ...c.map((x) => `    - ${x}`));
  lines.push(`  Details: ${i.url}`);
  return lines.join('\n');
}

const intro = (kind: DeliveryKind, subscriptionName: string) =>
  kind === 'test'
    ? `This is a test alert of the subscription "${subscriptionName}". The episode below is an example, not real data.`
    : kind === 'digest'
      ? `Cost anomalies for the subscription "${subscriptionName}":`
      : `A cost anomaly reached the threshold of the subscription "${subscriptionName}".`;

export function renderText(
  kind: DeliveryKind,
  items: readonly AlertItem[],
  subscriptionName: string,
): string {
  return [intro(kind, subscriptionName), '', ...items.map(itemText)].join('\n\n').replace(/\n\n\n/g, '\n\n');
}

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function renderHtml(
  kind: DeliveryKind,
  items: readonly AlertItem[],
  subscriptionName: string,
): string {
  const blocks = items.map((i) => {
    const c = causes(i);
    return `<div style="margin:16px 0;padding:12px;border-left:4px solid #c62828">
<h3 style="margin:0 0 8px">${esc(what(i))} <small>(${esc(i.monitor_name)})</small>${i.follow_up ? ' - grew' : ''}</h3>
<p style="margin:4px 0"><b>${esc(usd(i.impact_usd))}</b> (${esc(pct(i.impact_pct))}), ${esc(i.severity)} severity, ${esc(i.status)}</p>
<p style="margin:4px 0">Cost ${esc(usd(i.actual))} against ${esc(usd(i.expected))} expected, ${esc(dates(i))}</p>
${c.length ? `<p style="margin:4px 0">Top root causes:</p><ul>${c.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>` : ''}
<p style="margin:4px 0"><a href="${esc(i.url)}">Open the anomaly</a></p>
</div>`;
  });
  return `<!doctype html><html><body style="font-family:sans-serif"><p>${esc(intro(kind, subscriptionName))}</p>${blocks.join('\n')}</body></html>`;
}

/** Slack incoming-webhook payload: `text` (notifications, fallback) and `blocks`. */
export function renderSlack(
  kind: DeliveryKind,
  items: readonly AlertItem[],
  subscriptionName: string,
): { text: string; blocks: unknown[] } {
  const mrkdwn = (s: string) => s.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
  const blocks: unknown[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: subjectOf(kind, items, subscriptionName).slice(0, 150) },
    },
  ];
  if (kind === 'test')
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: mrkdwn(intro(kind, subscriptionName)) }],
    });
  for (const i of items.slice(0, 20)) {
    const c = causes(i);
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: [
          `*<${i.url}|${mrkdwn(what(i))}>* - ${mrkdwn(i.monitor_name)}${i.follow_up ? ' _(grew)_' : ''}`,
          `*${mrkdwn(usd(i.impact_usd))}* (${mrkdwn(pct(i.impact_pct))}), ${i.severity} severity · ${mrkdwn(dates(i))}`,
          ...(c.length ? ['Top root causes: ' + c.map(mrkdwn).join('; ')] : []),
        ].join('\n'),
      },
    });
  }
  if (items.length > 20)
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `...and ${items.length - 20} more` }],
    });
  return { text: subjectOf(kind, items, subscriptionName), blocks };
}

/** The JSON body of a webhook delivery. */
export function renderWebhook(
  kind: DeliveryKind,
  items: readonly AlertItem[],
  subscription: { id: string; name: string },
  deliveryId: string,
  sentAt: Date,
): unknown {
  return {
    type: kind === 'test' ? 'alert.test' : kind === 'digest' ? 'anomaly.digest' : 'anomaly.alert',
    delivery_id: deliveryId,
    sent_at: sentAt.toISOString(),
    subscription: { id: subscription.id, name: subscription.name },
    subject: subjectOf(kind, items, subscription.name),
    anomalies: items.map((i) => ({
      id: i.anomaly_id,
      url: i.url,
      level: i.level,
      follow_up: i.follow_up,
      monitor: { id: i.monitor_id, name: i.monitor_name, dimension: i.dimension },
      dimension_value: i.dimension_value,
      start_date: i.start_date,
      end_date: i.end_date,
      status: i.status,
      expected: i.expected,
      actual: i.actual,
      impact_usd: i.impact_usd,
      impact_pct: i.impact_pct,
      severity: i.severity,
      root_causes: i.root_causes,
    })),
  };
}

/** The example episode a test alert carries. */
export function sampleItem(publicUrl: string): AlertItem {
  const today = new Date().toISOString().slice(0, 10);
  return {
    anomaly_id: '00000000-0000-4000-8000-000000000000',
    level: 0,
    follow_up: false,
    monitor_id: '00000000-0000-4000-8000-000000000000',
    monitor_name: 'Per service (example)',
    dimension: 'service',
    dimension_value: 'AmazonEC2',
    start_date: today,
    end_date: today,
    status: 'open',
    expected: 100,
    actual: 350,
    impact_usd: 250,
    impact_pct: 250,
    severity: 'high',
    root_causes: [
      { dimension: 'usage_type', key: 'BoxUsage:c5.xlarge', contribution_usd: 240, contribution_pct: 96 },
    ],
    url: `${publicUrl.replace(/\/$/, '')}/anomalies`,
  };
}

/** Alert messages (email, Slack, webhook JSON) rendered from the episode snapshots stored in the outbox. Pure. */

export type DeliveryKind = 'alert' | 'digest' | 'test';

interface ItemBase {
  anomaly_id: string;
  level: number;
  follow_up: boolean;
  status: 'open' | 'closed';
  severity: 'low' | 'medium' | 'high';
  /** The episode in the console: `${PUBLIC_URL}/anomalies/<id>`. */
  url: string;
}

/** What an alert says about one cost episode, frozen when the alert was queued. */
export interface CostAlertItem extends ItemBase {
  /** Absent in items queued before metric episodes alerted. */
  kind?: 'cost';
  monitor_id: string;
  monitor_name: string;
  /** The engine's kind of change (spike, level_shift, ramp, drop...); absent in items queued before it existed. */
  change_kind?: string;
  dimension: string;
  dimension_value: string;
  start_date: string;
  end_date: string;
  expected: number;
  actual: number;
  impact_usd: number;
  impact_pct: number | null;
  root_causes: { dimension: string; key: string; contribution_usd: number; contribution_pct: number }[];
}

/** What an alert says about one CloudWatch metric episode. Values are in the metric's own units, never dollars. */
export interface MetricAlertItem extends ItemBase {
  kind: 'metric';
  watch_id: string;
  label: string;
  metric: {
    namespace: string;
    name: string;
    dimensions: { name: string; value: string }[];
    stat: string;
    /** Seconds. */
    period: number;
    region: string;
  };
  /** First and last anomalous point (ISO timestamps). */
  start_at: string;
  end_at: string;
  /** At the episode's peak: the value expected, the value seen, and actual - expected. */
  expected: number;
  actual: number;
  deviation: number;
  /** deviation in % of |expected|; null when nothing was expected. */
  impact_pct: number | null;
}

export type AlertItem = CostAlertItem | MetricAlertItem;

const isMetric = (i: AlertItem): i is MetricAlertItem => i.kind === 'metric';

/** Digest order: cost episodes by $ impact, then metric episodes by |% deviation|. */
export function digestOrder(a: AlertItem, b: AlertItem): number {
  if (isMetric(a) !== isMetric(b)) return isMetric(a) ? 1 : -1;
  if (!isMetric(a) && !isMetric(b)) return b.impact_usd - a.impact_usd;
  return Math.abs(b.impact_pct ?? Infinity) - Math.abs(a.impact_pct ?? Infinity) || 0;
}

const usd = (n: number) =>
  `${n < 0 ? '-' : ''}$${Math.abs(n).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const pct = (p: number | null) => (p === null ? 'new spend' : `${p >= 0 ? '+' : ''}${p.toFixed(1)} %`);
const dates = (i: CostAlertItem) =>
  i.start_date === i.end_date ? i.start_date : `${i.start_date} to ${i.end_date}`;
const what = (i: CostAlertItem) => (i.dimension === 'total' ? 'Total usage' : i.dimension_value);
/** A metric value in its own units: plain number, thousands separated, up to 4 decimals. */
const val = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 4 });
const signed = (n: number) => `${n >= 0 ? '+' : '-'}${val(Math.abs(n))}`;
const devPct = (p: number | null) =>
  p === null ? 'nothing expected' : `${p >= 0 ? '+' : '-'}${Math.abs(p).toFixed(1)} %`;
/** 2026-11-25T10:05:00.000Z -> 2026-11-25 10:05:00 UTC */
const utc = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
const metricName = (i: MetricAlertItem) => `${i.metric.namespace} ${i.metric.name}`;
const metricDims = (i: MetricAlertItem) =>
  i.metric.dimensions.length
    ? i.metric.dimensions.map((d) => `${d.name}=${d.value}`).join(', ')
    : 'no dimensions';
const metricStat = (i: MetricAlertItem) => `${i.metric.stat} per ${i.metric.period} s`;
const causes = (i: CostAlertItem) =>
  i.root_causes.map(
    (c) => `${c.dimension} ${c.key}: ${usd(c.contribution_usd)} (${c.contribution_pct.toFixed(0)} %)`,
  );

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function subjectOf(kind: DeliveryKind, items: readonly AlertItem[], subscriptionName: string): string {
  const first = items[0];
  if (kind === 'digest' || !first) {
    const cost = items.filter((i): i is CostAlertItem => !isMetric(i));
    const metric = items.length - cost.length;
    const total = usd(cost.reduce((s, i) => s + i.impact_usd, 0));
    if (metric === 0)
      return `[Cost Optimizer] ${plural(items.length, 'cost anomaly', 'cost anomalies')}, ${total} impact (${subscriptionName})`;
    if (cost.length === 0)
      return `[Cost Optimizer] ${plural(metric, 'metric anomaly', 'metric anomalies')} (${subscriptionName})`;
    return `[Cost Optimizer] ${plural(items.length, 'anomaly', 'anomalies')}: ${cost.length} cost (${total} impact), ${metric} metric (${subscriptionName})`;
  }
  const prefix = kind === 'test' ? '[Cost Optimizer] TEST: ' : '[Cost Optimizer] ';
  const grew = first.follow_up ? 'grew to ' : '';
  if (isMetric(first))
    return `${prefix}Metric ${metricName(first)} ${grew}${devPct(first.impact_pct)} (${val(first.actual)} vs ${val(first.expected)} expected), ${metricDims(first)}, ${first.metric.region}, since ${utc(first.start_at)}`;
  return `${prefix}${what(first)} ${grew}+${usd(first.impact_usd)} (${pct(first.impact_pct)}), ${first.monitor_name}, ${dates(first)}`;
}

function metricText(i: MetricAlertItem): string {
  return [
    `Metric ${metricName(i)} (${metricDims(i)}), ${metricStat(i)}, ${i.metric.region}${i.follow_up ? ' - follow-up: the deviation grew' : ''}`,
    `  Deviation: ${devPct(i.impact_pct)} (${signed(i.deviation)} in the metric's units), ${i.severity} severity, ${i.status}`,
    `  Value: ${val(i.actual)} against ${val(i.expected)} expected`,
    `  Started: ${utc(i.start_at)}${i.end_at !== i.start_at ? `, last anomalous point ${utc(i.end_at)}` : ''}`,
    `  Details: ${i.url}`,
  ].join('\n');
}

function itemText(i: AlertItem): string {
  if (isMetric(i)) return metricText(i);
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

const intro = (kind: DeliveryKind, items: readonly AlertItem[], subscriptionName: string) => {
  const metric = items.some(isMetric);
  if (kind === 'test')
    return `This is a test alert of the subscription "${subscriptionName}". The episode below is an example, not real data.`;
  if (kind === 'digest')
    return `${metric ? 'Anomalies' : 'Cost anomalies'} for the subscription "${subscriptionName}":`;
  return `A ${metric ? 'CloudWatch metric' : 'cost'} anomaly reached the threshold of the subscription "${subscriptionName}".`;
};

export function renderText(
  kind: DeliveryKind,
  items: readonly AlertItem[],
  subscriptionName: string,
): string {
  return [intro(kind, items, subscriptionName), '', ...items.map(itemText)]
    .join('\n\n')
    .replace(/\n\n\n/g, '\n\n');
}

export const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function renderHtml(
  kind: DeliveryKind,
  items: readonly AlertItem[],
  subscriptionName: string,
): string {
  const blocks = items.map((i) => {
    if (isMetric(i))
      return `<div style="margin:16px 0;padding:12px;border-left:4px solid #c62828">
<h3 style="margin:0 0 8px">Metric ${esc(metricName(i))} <small>(${esc(metricDims(i))})</small>${i.follow_up ? ' - grew' : ''}</h3>
<p style="margin:4px 0"><b>${esc(devPct(i.impact_pct))}</b> (${esc(signed(i.deviation))} in the metric's units), ${esc(i.severity)} severity, ${esc(i.status)}</p>
<p style="margin:4px 0">Value ${esc(val(i.actual))} against ${esc(val(i.expected))} expected; ${esc(metricStat(i))}, ${esc(i.metric.region)}</p>
<p style="margin:4px 0">Started ${esc(utc(i.start_at))}${i.end_at !== i.start_at ? `, last anomalous point ${esc(utc(i.end_at))}` : ''}</p>
<p style="margin:4px 0"><a href="${esc(i.url)}">Open the anomaly</a></p>
</div>`;
    const c = causes(i);
    return `<div style="margin:16px 0;padding:12px;border-left:4px solid #c62828">
<h3 style="margin:0 0 8px">${esc(what(i))} <small>(${esc(i.monitor_name)})</small>${i.follow_up ? ' - grew' : ''}</h3>
<p style="margin:4px 0"><b>${esc(usd(i.impact_usd))}</b> (${esc(pct(i.impact_pct))}), ${esc(i.severity)} severity, ${esc(i.status)}</p>
<p style="margin:4px 0">Cost ${esc(usd(i.actual))} against ${esc(usd(i.expected))} expected, ${esc(dates(i))}</p>
${c.length ? `<p style="margin:4px 0">Top root causes:</p><ul>${c.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>` : ''}
<p style="margin:4px 0"><a href="${esc(i.url)}">Open the anomaly</a></p>
</div>`;
  });
  return `<!doctype html><html><body style="font-family:sans-serif"><p>${esc(intro(kind, items, subscriptionName))}</p>${blocks.join('\n')}</body></html>`;
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
      elements: [{ type: 'mrkdwn', text: mrkdwn(intro(kind, items, subscriptionName)) }],
    });
  for (const i of items.slice(0, 20)) {
    if (isMetric(i)) {
      blocks.push({
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: [
            `*<${i.url}|Metric ${mrkdwn(metricName(i))}>* - ${mrkdwn(metricDims(i))}${i.follow_up ? ' _(grew)_' : ''}`,
            `*${mrkdwn(devPct(i.impact_pct))}* (${mrkdwn(val(i.actual))} vs ${mrkdwn(val(i.expected))} expected), ${i.severity} severity`,
            `${mrkdwn(metricStat(i))} · ${mrkdwn(i.metric.region)} · since ${mrkdwn(utc(i.start_at))}`,
          ].join('\n'),
        },
      });
      continue;
    }
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
    anomalies: items.map((i) =>
      isMetric(i)
        ? {
            id: i.anomaly_id,
            kind: 'metric',
            url: i.url,
            level: i.level,
            follow_up: i.follow_up,
            metric: { watch_id: i.watch_id, label: i.label, ...i.metric },
            start_at: i.start_at,
            end_at: i.end_at,
            status: i.status,
            expected: i.expected,
            actual: i.actual,
            deviation: i.deviation,
            impact_pct: i.impact_pct,
            severity: i.severity,
          }
        : {
            id: i.anomaly_id,
            kind: 'cost',
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
          },
    ),
  };
}

/** The example episode a test alert carries. */
export function sampleItem(publicUrl: string): CostAlertItem {
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

/** The email asking an address to confirm it wants a tenant's alerts (names come from the tenant: escaped). */
export function renderConfirmation(
  tenantName: string,
  link: string,
): { subject: string; text: string; html: string } {
  const subject = `[Cost Optimizer] Confirm alerts from ${tenantName.slice(0, 100)}`;
  const text = [
    `${tenantName} wants to send its cost anomaly alerts to this address.`,
    '',
    `To receive them, confirm within 7 days: ${link}`,
    '',
    'If you did not expect this, ignore this email: nothing more is sent to you unless you confirm.',
  ].join('\n');
  const html = `<p>${esc(tenantName)} wants to send its cost anomaly alerts to this address.</p>
<p><a href="${esc(link)}">Confirm that you want these alerts</a> (within 7 days).</p>
<p>If you did not expect this, ignore this email: nothing more is sent to you unless you confirm.</p>`;
  return { subject, text, html };
}

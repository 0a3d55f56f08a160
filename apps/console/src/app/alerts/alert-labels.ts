import type {
  AlertChannel,
  AlertDeliveryStatus,
  AlertFrequency,
  AlertSubscription,
} from '@cost-optimizer/dto';
import { formatMoney } from '../shared/format';

export const CHANNEL_LABELS: Record<AlertChannel, string> = {
  email: 'Email',
  slack: 'Slack',
  webhook: 'Webhook',
};

export const FREQUENCY_LABELS: Record<AlertFrequency, string> = {
  immediate: 'Immediately',
  daily: 'Daily digest',
  weekly: 'Weekly digest',
};

export const DELIVERY_STATUS_LABELS: Record<AlertDeliveryStatus, string> = {
  queued: 'Retrying',
  sending: 'Sending',
  sent: 'Sent',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** What the drops option means (cost anomalies; metric anomalies alert both ways regardless). */
export const DROPS_HINT =
  'Off: cost rises alert and drops (spend that fell by half or more and stayed down) are only listed. On: drops alert too, when their size reaches the thresholds.';

/** "$100 or 20 %", "$100 and 20 %", "20 %". */
export function formatThresholds(
  s: Pick<AlertSubscription, 'min_impact_usd' | 'min_impact_pct' | 'threshold_mode'>,
): string {
  const parts = [
    s.min_impact_usd !== null ? formatMoney(s.min_impact_usd) : null,
    s.min_impact_pct !== null ? `${s.min_impact_pct} %` : null,
  ].filter((p): p is string => p !== null);
  return parts.length === 2 ? `${parts[0]} ${s.threshold_mode} ${parts[1]}` : (parts[0] ?? '—');
}

/** Where alerts go: the recipients, or the masked URL. */
export function formatTarget(s: Pick<AlertSubscription, 'channel' | 'recipients' | 'url_masked'>): string {
  return s.channel === 'email' ? s.recipients.join(', ') : (s.url_masked ?? '—');
}

/** Comma-, semicolon- or line-separated emails, trimmed, without blanks. */
export function splitEmails(text: string): string[] {
  return text
    .split(/[,;\n]/)
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

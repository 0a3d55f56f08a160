// Pure logic: one incident seen by several series of the default monitors becomes one listed anomaly.
import type { AnomalyRootCause, MonitorDimension } from '@cost-optimizer/dto';
import type { ChildDimension, SeriesScope } from './series';

/**
 * Which series of an incident is the one listed and alerted, when several default monitors see it: the service is
 * what AWS Cost Anomaly Detection's "AWS services" monitor reports; when the service's series does not flag (the
 * change is diluted in it), the service x account series, then the usage type of that account. Account, region and
 * total series only ever repeat what a more telling series says.
 */
export const GROUP_RANK: Partial<Record<MonitorDimension, number>> = {
  service: 1,
  service_account: 2,
  account_usage_type: 3,
  account: 4,
  region: 5,
  total: 6,
};

/** A child series "explains" a coarser episode when it carries at least this share of its impact. */
export const EXPLAINS_SHARE = 0.2;

export interface GroupCandidate {
  id: string;
  dimension: MonitorDimension;
  scope: SeriesScope;
  start: string;
  end: string;
  impact: number;
  /** A fall (kind drop, or any episode with a negative impact): falls group only with falls, rises with rises. */
  drop: boolean;
  rootCauses: readonly AnomalyRootCause[];
}

/**
 * Whether an episode is a fall, whatever its kind: a service's level shift down and its account's drop to zero are
 * one stopped workload. Falls group only with falls, rises with rises.
 */
export const isFall = (changeKind: string, impactUsd: number): boolean =>
  changeKind === 'drop' || impactUsd < 0;

const DAY = 86_400_000;
const dayNo = (d: string) => Math.round(Date.parse(`${d}T00:00:00Z`) / DAY);

/** Whether `x` can be the same incident as the primary `p` (module comment of groupEpisodes). */
export function sameIncident(x: GroupCandidate, p: GroupCandidate): boolean {
  if (x.drop !== p.drop) return false;
  if (dayNo(x.start) > dayNo(p.end) + 1 || dayNo(x.end) < dayNo(p.start) - 1) return false;
  for (const [dim, value] of Object.entries(p.scope) as [ChildDimension, string][]) {
    const own = x.scope[dim];
    if (own !== undefined) {
      if (own !== value) return false;
      continue;
    }
    // x is coarser in this dimension: p's value must carry a real part of x's impact, the same way.
    const cause = x.rootCauses.find((c) => c.dimension === dim && c.key === value);
    if (!cause || x.impact === 0 || cause.contribution_usd / x.impact < EXPLAINS_SHARE) return false;
  }
  // Where x is finer than p (it splits by a dimension p does not), x is a part of what p's series adds up: on the same
  // days and in the same direction it is the same incident, whatever its share. (Requiring p's root causes to name
  // x's value left a broad change unexplained: S3 tripled in twenty regions and five accounts, none of them 20 % of
  // it, and the customer saw thirty incidents instead of one.)
  return true;
}

/**
 * Groups the episodes of the default monitors: in GROUP_RANK order (largest |impact| first within a rank), an
 * episode joins the primary it is the same incident as (overlapping days, the same direction, no conflicting
 * dimension value, and where the episode is coarser than the primary, its root causes name the primary's value with
 * >= 20 % of its impact); otherwise it becomes a primary. Returns id -> primary id (null for primaries).
 */
export function groupEpisodes(episodes: readonly GroupCandidate[]): Map<string, string | null> {
  const order = [...episodes].sort(
    (a, b) =>
      (GROUP_RANK[a.dimension] ?? 99) - (GROUP_RANK[b.dimension] ?? 99) ||
      Math.abs(b.impact) - Math.abs(a.impact) ||
      a.id.localeCompare(b.id),
  );
  const primaries: GroupCandidate[] = [];
  const out = new Map<string, string | null>();
  for (const e of order) {
    let best: GroupCandidate | null = null;
    for (const p of primaries) {
      if (!sameIncident(e, p)) continue;
      if (!best || Math.abs(p.impact) > Math.abs(best.impact)) best = p;
    }
    if (best) out.set(e.id, best.id);
    else {
      primaries.push(e);
      out.set(e.id, null);
    }
  }
  return out;
}

// Pure logic: the feedback bar. No Nest, no database.
import type { AnomalySuppression } from '@cost-optimizer/dto';
import { round } from './series';

/**
 * The feedback bar, the one place it is computed: feedback "no" or "planned_activity" on an episode means later
 * episodes of the same series must be ANOMALY_FEEDBACK_FACTOR x as large to be raised. Cost: on |impact| in USD
 * (rises and drops alike). Metric: on |actual - expected| at the peak, in the metric's own unit.
 */
export function feedbackBar(
  source: { id: string; feedback: 'no' | 'planned_activity'; size: number },
  unit: 'usd' | 'metric',
  factor: number,
  size: number,
): AnomalySuppression {
  const bar = round(source.size * factor, unit === 'usd' ? 2 : 6);
  return {
    source_anomaly_id: source.id,
    feedback: source.feedback,
    factor,
    min_impact_usd: unit === 'usd' ? bar : null,
    min_deviation: unit === 'metric' ? bar : null,
    held_back: size < bar,
  };
}

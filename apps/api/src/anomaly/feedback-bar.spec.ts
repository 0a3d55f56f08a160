import { feedbackBar } from './feedback-bar';

describe('the feedback bar (one rule for cost and metric episodes)', () => {
  const source = { id: '11111111-1111-4111-8111-111111111111', feedback: 'no' as const, size: 140.127 };

  it('asks later cost episodes for factor x the |impact| in USD, rises and drops alike', () => {
    expect(feedbackBar(source, 'usd', 2, 300)).toEqual({
      source_anomaly_id: source.id,
      feedback: 'no',
      factor: 2,
      min_impact_usd: 280.25,
      min_deviation: null,
      held_back: false,
    });
    expect(feedbackBar(source, 'usd', 2, 200).held_back).toBe(true);
  });

  it("asks later metric episodes for factor x the deviation, in the metric's unit (never dollars)", () => {
    const bar = feedbackBar({ ...source, feedback: 'planned_activity', size: 0.0123456 }, 'metric', 3, 0.02);
    expect(bar).toMatchObject({ min_impact_usd: null, min_deviation: 0.037037, held_back: true });
  });
});

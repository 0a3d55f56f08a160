import type { AnomalyRootCause } from '@cost-optimizer/dto';
import { groupEpisodes, isFall, type GroupCandidate } from './anomaly-grouping';

const cause = (dimension: AnomalyRootCause['dimension'], key: string, usd: number): AnomalyRootCause => ({
  dimension,
  key,
  actual: usd,
  expected: 0,
  contribution_usd: usd,
  contribution_pct: 0,
});

const ep = (id: string, over: Partial<GroupCandidate>): GroupCandidate => ({
  id,
  dimension: 'total',
  scope: {},
  start: '2026-03-10',
  end: '2026-03-14',
  impact: 100,
  drop: false,
  rootCauses: [],
  ...over,
});

describe('grouping of one incident seen by several default monitors', () => {
  // DynamoDB storage in account B rises by $40/day: seen by its usage type, its service x account series, the
  // account and the total, but not by the DynamoDB service series (diluted there).
  const causes = [
    cause('service', 'AmazonDynamoDB', 190),
    cause('account', '222233334444', 195),
    cause('usage_type', 'TimedStorage-ByteHrs', 200),
  ];
  const usage = ep('usage', {
    dimension: 'account_usage_type',
    scope: { service: 'AmazonDynamoDB', account: '222233334444', usage_type: 'TimedStorage-ByteHrs' },
    impact: 200,
    rootCauses: causes,
  });
  const pair = ep('pair', {
    dimension: 'service_account',
    scope: { service: 'AmazonDynamoDB', account: '222233334444' },
    impact: 205,
    rootCauses: causes,
  });
  const account = ep('account', {
    dimension: 'account',
    scope: { account: '222233334444' },
    impact: 230,
    rootCauses: causes,
  });
  const total = ep('total', { impact: 260, rootCauses: causes, start: '2026-03-11' });

  it('lists the incident once, as its most telling series, with the others grouped into it', () => {
    const g = groupEpisodes([total, account, usage, pair]);
    expect(Object.fromEntries(g)).toEqual({ pair: null, usage: 'pair', account: 'pair', total: 'pair' });
  });

  it('keeps unrelated incidents apart: other service, other days, or a drop against a rise', () => {
    const ec2 = ep('ec2', {
      dimension: 'service',
      scope: { service: 'AmazonEC2' },
      impact: 500,
      rootCauses: [cause('account', '111122223333', 500)],
    });
    const later = ep('later', { ...pair, id: 'later', start: '2026-04-01', end: '2026-04-02' });
    const drop = ep('drop', { ...usage, id: 'drop', drop: true, impact: -300 });
    const g = groupEpisodes([pair, usage, ec2, later, drop]);
    expect(g.get('ec2')).toBeNull();
    expect(g.get('later')).toBeNull();
    expect(g.get('drop')).toBeNull();
    expect(g.get('usage')).toBe('pair');
  });

  it('does not group a coarse series whose root causes do not name the finer one', () => {
    const noisyTotal = ep('total', {
      impact: 1000,
      rootCauses: [cause('service', 'AmazonEC2', 900), cause('service', 'AmazonDynamoDB', 100)],
    });
    expect(groupEpisodes([pair, noisyTotal]).get('total')).toBeNull();
  });

  it('lists a broad change once: a service that triples in every region and account', () => {
    const regions = Array.from({ length: 20 }, (_, i) => `region-${i}`);
    const accounts = ['111122223333', '222233334444', '333344445555', '444455556666', '555566667777'];
    const s3 = ep('s3', {
      dimension: 'service',
      scope: { service: 'AmazonS3' },
      impact: 2000,
      // No region or account carries 20 % of the service's rise.
      rootCauses: [
        ...accounts.map((a) => cause('account', a, 400)),
        ...regions.slice(0, 5).map((r) => cause('region', r, 100)),
      ],
    });
    const perRegion = regions.map((r) =>
      ep(r, {
        dimension: 'region',
        scope: { region: r },
        impact: 110,
        start: '2026-03-09',
        rootCauses: [cause('service', 'AmazonS3', 100), cause('service', 'AmazonEC2', 10)],
      }),
    );
    const perAccount = accounts.map((a) =>
      ep(a, {
        dimension: 'service_account',
        scope: { service: 'AmazonS3', account: a },
        impact: 400,
        start: '2026-03-12',
        rootCauses: [cause('region', 'region-0', 20)],
      }),
    );
    const g = groupEpisodes([...perRegion, ...perAccount, s3]);
    expect(g.get('s3')).toBeNull();
    for (const id of [...regions, ...accounts]) expect([id, g.get(id)]).toEqual([id, 's3']);
    // A region whose rise is mostly another service's stays its own incident.
    const ec2Region = ep('ec2-region', {
      dimension: 'region',
      scope: { region: 'region-3' },
      impact: 500,
      rootCauses: [cause('service', 'AmazonEC2', 450), cause('service', 'AmazonS3', 50)],
    });
    expect(groupEpisodes([s3, ec2Region]).get('ec2-region')).toBeNull();
  });

  it('groups a service that shifted down with its account that dropped to zero (both falls)', () => {
    expect(isFall('level_shift', -256)).toBe(true);
    expect(isFall('drop', -209)).toBe(true);
    expect(isFall('level_shift', 120)).toBe(false);
    expect(isFall('spike', 70)).toBe(false);
    const service = ep('redshift', {
      dimension: 'service',
      scope: { service: 'AmazonRedshift' },
      impact: -256,
      drop: isFall('level_shift', -256),
      rootCauses: [cause('account', '300135317754', -250)],
    });
    const pair = ep('redshift-account', {
      dimension: 'service_account',
      scope: { service: 'AmazonRedshift', account: '300135317754' },
      impact: -209,
      drop: isFall('drop', -209),
      start: '2026-03-09',
    });
    expect(groupEpisodes([pair, service]).get('redshift-account')).toBe('redshift');
  });
});

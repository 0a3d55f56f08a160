/**
 * Daily usage cost of AWS services, per service x account, shaped like a Cost and Usage Report sums up.
 *
 * Modelled on the AWS generators of Red Hat's nise (project-koku/nise, nise/generators/aws/: ec2, ebs, s3,
 * rds, data_transfer, route53, vpc, marketplace). nise is AGPL-3.0 and this project is Apache-2.0, so this
 * file is NOT a translation of its code: it reuses only facts those generators encode (public AWS list
 * prices, the ranges of amounts and rates they draw, how each charge accrues) and writes its own logic:
 *
 * - EC2 (ec2_generator.py): on-demand hourly rates of m5.large 0.096, c5d.2xlarge 0.34, c4.xlarge 0.199,
 *   r4.large 0.133 $/h, one line item per instance-hour. Here: a fleet of N instances, always on (24 h) or a
 *   weekday workload (business hours, few instances at night and on weekends), optionally autoscaled: the
 *   instance count follows demand in whole instances (step-like cost).
 * - RDS (rds_generator.py): db.t3.medium 0.072, db.t3.large 0.145, db.m5.xlarge 0.356, db.r5.2xlarge 1.00 $/h,
 *   always on: a flat series that moves only when instances are added.
 * - EBS (ebs_generator.py): volumes of 5-25 GB (times a count) at 0.02-0.16 $/GB-month, accrued hourly as
 *   rate / hours in the month: the daily cost changes with the month's length (28-31 days).
 * - S3 (s3_generator.py): 0.2-6,000 GB stored at 0.02-0.06 $/GB-month (accrued per day of the month here)
 *   plus request charges; stored bytes grow.
 * - Data transfer (data_transfer_generator.py): 0.12-0.19 $/GB, hourly amounts drawn independently
 *   (uniform), summed per day and scaled by traffic.
 * - Route 53 (route53_generator.py): hosted zone 0.50 $/month (billed on the 1st: a month-start charge),
 *   queries 0.0000004 $ each, following traffic.
 * - VPC (vpc_generator.py): VPN connection 0.05 $/h: 1.20 $/day per connection, perfectly flat.
 * - Marketplace (marketplace_generator.py): RHEL / OpenShift software hours, amount 0.2-301 x rate
 *   0.02-0.16 $/h per hour.
 */
import { Rng, daysInMonth, dayOfMonth, weekdayOf } from './random';

export const AWS_SERVICES = [
  'ec2',
  'rds',
  'ebs',
  's3',
  'data_transfer',
  'route53',
  'vpc',
  'marketplace',
] as const;
export type AwsService = (typeof AWS_SERVICES)[number];

const EC2_RATES = [0.096, 0.34, 0.199, 0.133];
const RDS_RATES = [0.072, 0.145, 0.356, 1.0];

export interface ServiceSeries {
  /** Usage cost per day (before the generic noise of the dataset), >= 0. */
  readonly usage: number[];
  /** Charges of the service itself on given days (e.g. Route 53 hosted zones on the 1st): added as fees. */
  readonly fees: number[];
  /** The multiplicative day-of-week factor the usage carries (1 = none): weekends of weekday workloads. */
  readonly weekly: number[];
  /** True when the usage is exactly flat apart from steps (instances always on). */
  readonly flat: boolean;
  readonly description: string;
}

/**
 * One service x account over `n` days starting on `startDay`, scaled so that its typical day costs about
 * `target` $. `demand` is a day-to-day demand multiplier around 1 (slow drift), shared by usage-driven parts.
 */
export function awsServiceSeries(
  service: AwsService,
  startDay: number,
  n: number,
  target: number,
  rng: Rng,
): ServiceSeries {
  const usage = new Array<number>(n).fill(0);
  const fees = new Array<number>(n).fill(0);
  const weekly = new Array<number>(n).fill(1);
  // Demand: a slow AR(1) walk around 1 (traffic, jobs), used by the usage-driven services.
  const demand: number[] = [];
  let walk = 0;
  const phi = rng.uniform(0.6, 0.95);
  const walkSd = rng.uniform(0.01, 0.06);
  for (let i = 0; i < n; i++) {
    walk = phi * walk + walkSd * rng.normal();
    demand.push(Math.exp(walk));
  }
  const weekendOf = (weekendFactor: number) => (i: number) => {
    const wd = weekdayOf(startDay + i);
    return wd === 0 || wd === 6 ? weekendFactor : 1;
  };
  switch (service) {
    case 'ec2': {
      const rate = rng.pick(EC2_RATES);
      const weekdayOnly = rng.chance(0.5);
      const autoscaled = rng.chance(0.5);
      const wk = weekendOf(rng.uniform(0.2, 0.6));
      const instances = Math.max(1, Math.round(target / (24 * rate)));
      for (let i = 0; i < n; i++) {
        const w = weekdayOnly ? wk(i) : 1;
        weekly[i] = w;
        // Scheduled fleets run fewer hours on weekends (per-second billing); autoscaled ones run whole
        // instances, as many as demand needs (at least one).
        usage[i] = autoscaled
          ? Math.max(1, Math.round(instances * w * demand[i]!)) * 24 * rate
          : instances * 24 * w * rate;
      }
      return {
        usage,
        fees,
        weekly,
        flat: !autoscaled,
        description: `EC2 ${instances} x ${rate} $/h${weekdayOnly ? ', weekday workload' : ''}${autoscaled ? ', autoscaled' : ''}`,
      };
    }
    case 'rds': {
      const rate = rng.pick(RDS_RATES);
      const instances = Math.max(1, Math.round(target / (24 * rate)));
      for (let i = 0; i < n; i++) usage[i] = instances * 24 * rate;
      return { usage, fees, weekly, flat: true, description: `RDS ${instances} x ${rate} $/h` };
    }
    case 'ebs': {
      const rate = Math.round(rng.uniform(0.02, 0.16) * 1000) / 1000;
      const size = rng.pick([5, 10, 15, 20, 25]);
      let volumes = Math.max(1, Math.round((target * 30.4) / (size * rate)));
      const addEvery = rng.int(20, 90);
      for (let i = 0; i < n; i++) {
        // Volumes are attached now and then (a step of a few percent), and deleted less often.
        if (i > 0 && i % addEvery === 0) volumes = Math.max(1, Math.round(volumes * rng.uniform(0.97, 1.08)));
        usage[i] = (volumes * size * rate) / daysInMonth(startDay + i);
      }
      return {
        usage,
        fees,
        weekly,
        flat: true,
        description: `EBS ${volumes} x ${size} GB at ${rate} $/GB-month`,
      };
    }
    case 's3': {
      const rate = Math.round(rng.uniform(0.02, 0.06) * 1000) / 1000;
      let gb = (target * 0.85 * 30.4) / rate;
      const growth = rng.uniform(-0.001, 0.004);
      const requests = target * 0.15;
      for (let i = 0; i < n; i++) {
        gb *= 1 + growth;
        usage[i] = (gb * rate) / daysInMonth(startDay + i) + requests * demand[i]! * rng.uniform(0.8, 1.2);
      }
      return {
        usage,
        fees,
        weekly,
        flat: false,
        description: `S3 at ${rate} $/GB-month, growth ${(growth * 100).toFixed(2)} %/day`,
      };
    }
    case 'data_transfer': {
      const rate = Math.round(rng.uniform(0.12, 0.19) * 1000) / 1000;
      const wk = weekendOf(rng.uniform(0.3, 0.9));
      const perHour = target / 24 / rate / 0.045; // hourly uniform(0.000002, 0.09) GB has mean 0.045
      for (let i = 0; i < n; i++) {
        let gb = 0;
        for (let h = 0; h < 24; h++) gb += rng.uniform(0.000002, 0.09);
        weekly[i] = wk(i);
        usage[i] = gb * perHour * rate * demand[i]! * weekly[i]!;
      }
      return { usage, fees, weekly, flat: false, description: `data transfer at ${rate} $/GB` };
    }
    case 'route53': {
      const zones = rng.int(1, 40);
      const queriesPerDay = Math.max(0, target - 0) / 0.0000004;
      for (let i = 0; i < n; i++) {
        usage[i] = queriesPerDay * demand[i]! * 0.0000004 * rng.uniform(0.9, 1.1);
        if (dayOfMonth(startDay + i) === 1) fees[i] = zones * 0.5;
      }
      return { usage, fees, weekly, flat: false, description: `Route 53 ${zones} zones + queries` };
    }
    case 'vpc': {
      const connections = Math.max(1, Math.round(target / 1.2));
      for (let i = 0; i < n; i++) usage[i] = connections * 24 * 0.05;
      return { usage, fees, weekly, flat: true, description: `VPN ${connections} connections` };
    }
    case 'marketplace': {
      const rate = Math.round(rng.uniform(0.02, 0.16) * 1000) / 1000;
      const amount = target / 24 / rate;
      for (let i = 0; i < n; i++) usage[i] = Math.round(amount * demand[i]!) * rate * 24;
      return {
        usage,
        fees,
        weekly,
        flat: false,
        description: `Marketplace ${amount.toFixed(0)} units x ${rate} $/h`,
      };
    }
  }
}

/**
 * Line-item profiles (the strings of a row: account, product, usage type, resource, tags, commitments) and the
 * usage streams built on them. Every draw goes through the one seeded Rng, in a fixed order.
 */
import type { Rng } from './rng';
import type { RegionSpec, ServiceSpec, UsageSpec } from './services';
import {
  RI_EFFECTIVE,
  r10,
  type Account,
  type LineItemType,
  type Profile,
  type Reservation,
  type Stream,
} from './model';

const TEAMS = ['platform', 'payments', 'search', 'data', 'web', 'ml'];
const APPS = ['checkout', 'catalog', 'api-gateway', 'etl', 'recommendations', 'auth'];

export type Coverage = 'od' | 'ri' | 'sp';

export class Profiles {
  readonly all: Profile[] = [];
  private readonly keyed = new Map<string, Profile>();

  add(p: Omit<Profile, 'id'>): Profile {
    const full = { ...p, id: this.all.length };
    this.all.push(full);
    return full;
  }

  /** One profile per key, created on first use (profile ids follow first use). */
  keyedProfile(key: string, make: () => Omit<Profile, 'id'>): Profile {
    let p = this.keyed.get(key);
    if (!p) {
      p = this.add(make());
      this.keyed.set(key, p);
    }
    return p;
  }
}

/** The strings every profile of an account, service and region shares. */
export function baseProfile(account: Account, service: ServiceSpec, region: RegionSpec | null) {
  return {
    accountId: account.id,
    accountName: account.name,
    productCode: service.code,
    productName: service.name,
    category: service.category,
    region: region?.id ?? (service.global ? 'global' : ''),
    location: region?.location ?? (service.global ? 'Global' : ''),
    az: '',
    usageType: '',
    operation: '',
    resourceId: '',
    description: '',
    family: '',
    instanceType: '',
    unit: '',
    pricingTerm: '',
    resArn: '',
    spArn: '',
    taxType: '',
    normalization: 0,
    tags: {} as Record<string, string>,
  };
}

export class StreamFactory {
  constructor(
    private readonly rng: Rng,
    private readonly profiles: Profiles,
    private readonly payer: Account,
    private readonly spArn: string,
    private readonly days: number,
  ) {}

  private resourceId(u: UsageSpec, region: RegionSpec | null, account: Account): string {
    const rng = this.rng;
    const r = region?.id ?? 'us-east-1';
    switch (u.resource) {
      case 'instance':
        return `arn:aws:ec2:${r}:${account.id}:instance/i-0${rng.hex(16)}`;
      case 'volume':
        return `arn:aws:ec2:${r}:${account.id}:volume/vol-0${rng.hex(16)}`;
      case 'nat':
        return `arn:aws:ec2:${r}:${account.id}:natgateway/nat-0${rng.hex(16)}`;
      case 'bucket':
        return `${account.name}-${rng.pick(APPS)}-${rng.hex(6)}`;
      case 'function':
        return `arn:aws:lambda:${r}:${account.id}:function:${rng.pick(APPS)}-${rng.hex(4)}`;
      case 'table':
        return `arn:aws:dynamodb:${r}:${account.id}:table/${rng.pick(APPS)}`;
      case 'cluster':
        return `arn:aws:ecs:${r}:${account.id}:cluster/${rng.pick(APPS)}-${rng.hex(4)}`;
      case 'db':
        return `arn:aws:rds:${r}:${account.id}:db:${rng.pick(APPS)}-${rng.hex(4)}`;
      case 'cache':
        return `arn:aws:elasticache:${r}:${account.id}:cluster:${rng.pick(APPS)}-${rng.hex(4)}`;
      case 'none':
        return '';
    }
  }

  /** One resource's usage of one usage type: its profile(s), reservation, weekly pattern, growth and start. */
  make(
    service: ServiceSpec,
    usage: UsageSpec,
    account: Account,
    region: RegionSpec | null,
    coverage: Coverage,
    base: number,
  ): Stream {
    const { rng, profiles, payer, spArn } = this;
    const prefix = usage.regional && region && region.id !== 'us-east-1' ? `${region.prefix}-` : '';
    const rate = r10(usage.rate * (region?.factor ?? 1));
    const tagged = rng.next() > 0.15;
    const tags: Record<string, string> = tagged
      ? {
          environment: account.env,
          team: rng.pick(TEAMS),
          application: rng.pick(APPS),
          ...(rng.next() > 0.4 ? { cost_center: `cc-${rng.int(100, 120)}` } : {}),
        }
      : {};
    const type: LineItemType =
      coverage === 'ri' ? 'DiscountedUsage' : coverage === 'sp' ? 'SavingsPlanCoveredUsage' : 'Usage';
    const common = {
      ...baseProfile(account, service, region),
      az:
        usage.hourly && region && usage.resource === 'instance'
          ? `${region.id}${rng.pick(['a', 'b', 'c'])}`
          : '',
      usageType: `${prefix}${usage.usageType}`,
      operation: usage.operation,
      resourceId: this.resourceId(usage, region, account),
      family: usage.family,
      instanceType: usage.instanceType ?? '',
      unit: usage.unit,
      normalization: usage.instanceType ? 4 : 0,
      tags,
    };
    let ri: Reservation | undefined;
    if (coverage === 'ri') {
      const arn = `arn:aws:${service.code === 'AmazonRDS' ? 'rds' : service.code === 'AmazonElastiCache' ? 'elasticache' : 'ec2'}:${region?.id ?? 'us-east-1'}:${payer.id}:ri:${rng.hex(8)}-${rng.hex(4)}`;
      const feeBase = {
        ...baseProfile(payer, service, region),
        usageType: `${prefix}HeavyUsage:${usage.instanceType ?? 'x'}`,
        operation: usage.operation,
        unit: 'Hrs',
        resArn: arn,
        pricingTerm: 'Reserved',
        family: usage.family,
        instanceType: usage.instanceType ?? '',
      };
      ri = {
        arn,
        upfrontHourly: r10(rate * RI_EFFECTIVE * 0.5 * base),
        recurringHourly: r10(rate * RI_EFFECTIVE * 0.5 * base),
        fee: profiles.add({
          ...feeBase,
          type: 'RIFee',
          description: `USD ${(rate * RI_EFFECTIVE * 0.5).toFixed(4)} hourly fee per ${usage.instanceType ?? 'instance'} reservation`,
        }),
        purchase: profiles.add({
          ...feeBase,
          type: 'Fee',
          description: `Sign up charge for subscription: ${arn.slice(-13)}, planId: ${rng.int(1000000, 9999999)}`,
        }),
      };
    }
    const p = profiles.add({
      ...common,
      type,
      resArn: ri?.arn ?? '',
      spArn: coverage === 'sp' ? spArn : '',
      pricingTerm: coverage === 'ri' ? 'Reserved' : 'OnDemand',
      description:
        coverage === 'ri'
          ? `USD 0.0 hourly fee per ${usage.instanceType ?? 'unit'} (Reserved)`
          : coverage === 'sp'
            ? `${usage.usageType} covered by Savings Plan ${spArn.slice(-36)}`
            : `$${rate} per ${usage.unit} for ${usage.usageType} in ${region?.location ?? 'Global'}`,
    });
    const negation =
      coverage === 'sp'
        ? profiles.add({
            ...common,
            type: 'SavingsPlanNegation',
            spArn,
            pricingTerm: 'OnDemand',
            description: `SavingsPlanNegation used by AccountId : ${account.id} and UsageSku : ${rng.hex(16).toUpperCase()}`,
          })
        : undefined;
    return {
      usage,
      service,
      region,
      account,
      profile: p,
      ...(negation ? { negation } : {}),
      coverage,
      base,
      weekendFactor: account.env === 'prod' ? 1 : 0.45 + rng.next() * 0.3,
      growth: (rng.next() - 0.35) * 0.004,
      startDay: rng.next() < 0.85 ? 0 : rng.int(0, Math.floor(this.days * 0.3)),
      rate,
      ...(ri ? { ri } : {}),
    };
  }
}

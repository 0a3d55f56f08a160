/**
 * Writes the line items into the DuckDB staging table `facts` (through an appender) and sums every measure per
 * day, line-item type, service and account as the rows are written (the expected totals, never computed by SQL).
 */
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import {
  amortizedOf,
  DAY,
  EDP_RATE,
  isoDay,
  r10,
  RI_EFFECTIVE,
  SP_EFFECTIVE,
  USAGE_CLASS,
  type Account,
  type Profile,
  type Row,
  type Stream,
} from './model';
import type { Rng } from './rng';
import { SERVICES, SUPPORT, REGIONS, type ServiceSpec } from './services';
import { baseProfile, type Profiles } from './streams';

export const MEASURES = [
  'unblended',
  'net_unblended',
  'amortized',
  'net_amortized',
  'public_on_demand',
  'usage_unblended',
  'usage_amortized',
] as const;
export type Measure = (typeof MEASURES)[number];
export type MeasureTotals = Record<Measure, number> & { line_items: number };

export interface LedgerTotals {
  rows: number;
  daily: Map<string, MeasureTotals>;
  totals: MeasureTotals;
  byType: Record<string, { line_items: number; unblended: number; amortized: number }>;
  byService: Record<string, { unblended: number; amortized: number }>;
  byAccount: Record<string, { unblended: number; amortized: number }>;
}

export function emptyTotals(): MeasureTotals {
  return {
    unblended: 0,
    net_unblended: 0,
    amortized: 0,
    net_amortized: 0,
    public_on_demand: 0,
    usage_unblended: 0,
    usage_amortized: 0,
    line_items: 0,
  };
}

/** The charges that are not usage of a stream: discounts, credits, refunds, taxes, support and commitments. */
class FixedProfiles {
  readonly credit: Profile;
  readonly refund: Profile;
  readonly bundled: Profile;
  readonly privateRate: Profile;
  readonly support: Profile;
  readonly spRecurring: Profile;
  readonly spUpfront: Profile;

  constructor(
    private readonly profiles: Profiles,
    accounts: Account[],
    spArn: string,
  ) {
    const payer = accounts[0]!;
    const ec2 = service('AmazonEC2');
    const useast = REGIONS[0]!;
    this.credit = profiles.add({
      ...baseProfile(accounts[1] ?? payer, ec2, null),
      type: 'Credit',
      usageType: 'Credit',
      description: 'AWS Activate credits',
      region: '',
      location: '',
    });
    this.refund = profiles.add({
      ...baseProfile(payer, service('AmazonS3'), useast),
      type: 'Refund',
      usageType: 'Refund',
      description: 'Refund for S3 request charges (billing error)',
    });
    this.bundled = profiles.add({
      ...baseProfile(payer, service('AWSLambda'), useast),
      type: 'BundledDiscount',
      usageType: 'Lambda-GB-Second',
      description: 'Free tier bundled discount',
    });
    this.privateRate = profiles.add({
      ...baseProfile(payer, service('AWSDataTransfer'), useast),
      type: 'PrivateRateDiscount',
      usageType: 'DataTransfer-Out-Bytes',
      description: 'Private pricing discount for data transfer',
    });
    this.support = profiles.add({
      ...baseProfile(payer, SUPPORT, null),
      type: 'Fee',
      usageType: 'Dollar',
      operation: '',
      description: 'AWS Support (Business) monthly fee',
    });
    const spBase = {
      ...baseProfile(
        payer,
        {
          code: 'ComputeSavingsPlans',
          name: 'Savings Plans for AWS Compute usage',
          category: 'Compute',
          usages: [],
        },
        null,
      ),
      spArn,
      region: '',
      location: '',
    };
    this.spRecurring = profiles.add({
      ...spBase,
      type: 'SavingsPlanRecurringFee',
      usageType: 'ComputeSP:1yrNoUpfront',
      description: '1 year No Upfront Compute Savings Plan',
    });
    this.spUpfront = profiles.add({
      ...spBase,
      type: 'SavingsPlanUpfrontFee',
      usageType: 'ComputeSP:1yrAllUpfront',
      description: '1 year All Upfront Compute Savings Plan',
    });
  }

  edp(account: Account, service: ServiceSpec): Profile {
    return this.profiles.keyedProfile(`edp|${account.id}|${service.code}`, () => ({
      ...baseProfile(account, service, null),
      type: 'EdpDiscount',
      usageType: 'EdpDiscount',
      description: 'Enterprise Program Discount',
      region: '',
      location: '',
    }));
  }

  tax(account: Account, service: ServiceSpec): Profile {
    return this.profiles.keyedProfile(`tax|${account.id}|${service.code}`, () => ({
      ...baseProfile(account, service, null),
      type: 'Tax',
      usageType: 'Tax',
      description: 'Tax for product code ' + service.code,
      taxType: 'Sales',
      region: '',
      location: '',
    }));
  }
}

function service(code: string): ServiceSpec {
  const s = SERVICES.find((x) => x.code === code);
  if (!s) throw new Error(`no service ${code}`);
  return s;
}

type AccountServiceCost = Map<string, { account: Account; service: ServiceSpec; cost: number }>;

export interface LedgerInput {
  rng: Rng;
  profiles: Profiles;
  accounts: Account[];
  spArn: string;
  streams: Stream[];
  days: number;
  startEpoch: number;
}

/** Fills `facts` with every line item of the sample; returns the totals summed along the way. */
export async function writeLedger(conn: DuckDBConnection, input: LedgerInput): Promise<LedgerTotals> {
  // Created before any row, in this order, so profile ids (and line item ids) are stable per seed.
  const fixed = new FixedProfiles(input.profiles, input.accounts, input.spArn);
  await conn.run(`CREATE TABLE facts (profile INTEGER, start_s INTEGER, end_s INTEGER, usage DOUBLE, unblended_rate DOUBLE,
      unblended DOUBLE, net_unblended DOUBLE, od_rate DOUBLE, od_cost DOUBLE, res_eff DOUBLE, res_unused_upfront DOUBLE,
      res_unused_recurring DOUBLE, sp_eff DOUBLE, sp_rate DOUBLE, sp_commit DOUBLE, sp_used DOUBLE, edp DOUBLE,
      amortized DOUBLE, net_amortized DOUBLE)`);
  const appender = await conn.createAppender('facts');
  const ledger = new Ledger(input, fixed, appender);
  for (let d = 0; d < input.days; d++) ledger.day(d);
  // Month-start charges: RI fees, SP fees, support, tax and the upfront purchases (AWS.md §4).
  let firstMonth = true;
  for (let d = 0; d < input.days; d++) if (ledger.monthStart(d, firstMonth)) firstMonth = false;
  appender.closeSync();
  return ledger.out;
}

const HOUR_SHAPE = Array.from({ length: 24 }, (_, h) => 1 + 0.18 * Math.sin(((h - 9) / 24) * 2 * Math.PI));

/**
 * The ledger being written: one reusable row, the totals summed as rows are appended, and the per-month
 * accumulators the month-start fees and taxes are computed from. Its steps draw from the seeded random numbers in
 * a fixed order, so a seed always gives the same sample.
 */
class Ledger {
  readonly out: LedgerTotals = {
    rows: 0,
    daily: new Map(),
    totals: emptyTotals(),
    byType: {},
    byService: {},
    byAccount: {},
  };
  private readonly row: Row = {
    usage: 0,
    unblendedRate: 0,
    unblended: 0,
    netUnblended: 0,
    odRate: 0,
    odCost: 0,
    resEff: 0,
    resUnusedUpfront: 0,
    resUnusedRecurring: 0,
    spEff: 0,
    spRate: 0,
    spCommit: 0,
    spUsed: 0,
    edp: 0,
  };
  // Per-month accumulators for fees and taxes (keyed by YYYY-MM).
  private readonly spUsed = new Map<string, number>();
  private readonly usageByAccountService = new Map<string, AccountServiceCost>();
  private readonly monthUsage = new Map<string, number>();
  private readonly lambda = service('AWSLambda');
  private readonly dataTransfer = service('AWSDataTransfer');

  constructor(
    private readonly input: LedgerInput,
    private readonly fixed: FixedProfiles,
    private readonly appender: DuckDBAppender,
  ) {}

  /** Every row of day `d`: each stream's usage, then the day's discounts, credits and refunds. */
  day(d: number): void {
    const dayStart = this.input.startEpoch + d * DAY;
    const month = isoDay(dayStart).slice(0, 7);
    const weekday = new Date(dayStart * 1000).getUTCDay();
    const weekend = weekday === 0 || weekday === 6;
    const edpToday: AccountServiceCost = new Map();
    let dataTransferToday = 0;
    let lambdaToday = 0;
    let mu = this.usageByAccountService.get(month);
    if (!mu) this.usageByAccountService.set(month, (mu = new Map() as AccountServiceCost));
    for (const s of this.input.streams) {
      if (d < s.startDay) continue;
      if (s.anomaly?.label.kind === 'new_service' && !s.anomaly.present(d)) continue;
      const dayCost = this.streamDay(s, d, dayStart, weekend, month);
      if (dayCost > 0) {
        const key = `${s.account.id}|${s.service.code}`;
        const e = edpToday.get(key) ?? { account: s.account, service: s.service, cost: 0 };
        e.cost += dayCost;
        edpToday.set(key, e);
        const m = mu.get(key) ?? { account: s.account, service: s.service, cost: 0 };
        m.cost += dayCost;
        mu.set(key, m);
        this.monthUsage.set(month, (this.monthUsage.get(month) ?? 0) + dayCost);
        if (s.service === this.dataTransfer) dataTransferToday += dayCost;
        if (s.service === this.lambda) lambdaToday += dayCost;
      }
    }
    this.discounts(d, dayStart, edpToday, dataTransferToday, lambdaToday);
  }

  /** One stream's rows of one day; returns the day's on-demand (Usage) cost. */
  private streamDay(s: Stream, d: number, dayStart: number, weekend: boolean, month: string): number {
    const { rng } = this.input;
    const row = this.row;
    const an = s.anomaly;
    const dayFactor = (1 + s.growth * d) * (weekend ? s.weekendFactor : 1) * (0.92 + rng.next() * 0.16);
    const hours = s.usage.hourly ? 24 : 1;
    if (an && !an.present(d)) {
      // A dropped stream: nothing is billed; the label counts what it no longer costs.
      an.label.extra_unblended -= r10(s.usage.amount * s.base * dayFactor * hours * s.rate);
      return 0;
    }
    let dayCost = 0;
    for (let h = 0; h < hours; h++) {
      const start = dayStart + h * (hours === 24 ? 3600 : 0);
      const end = hours === 24 ? start + 3600 : dayStart + DAY;
      const shape = hours === 24 ? HOUR_SHAPE[h]! * (0.97 + rng.next() * 0.06) : 1;
      const mult = an ? an.factor(d, hours === 24 ? h : null) : 1;
      const amount = r10(s.usage.amount * s.base * dayFactor * shape * mult);
      const od = r10(amount * s.rate);
      if (an) an.label.extra_unblended += an.label.kind === 'new_service' ? od : od - od / mult;
      this.reset();
      row.usage = amount;
      row.odRate = s.rate;
      row.odCost = od;
      if (s.coverage === 'ri') {
        row.unblendedRate = 0;
        row.unblended = 0;
        row.netUnblended = 0;
        row.resEff = r10(od * RI_EFFECTIVE);
        this.emit(s.profile, start, end);
      } else if (s.coverage === 'sp') {
        row.unblendedRate = s.rate;
        row.unblended = od;
        row.netUnblended = od;
        row.spRate = r10(s.rate * SP_EFFECTIVE);
        row.spEff = r10(od * SP_EFFECTIVE);
        this.spUsed.set(month, (this.spUsed.get(month) ?? 0) + row.spEff);
        this.emit(s.profile, start, end);
        this.reset();
        row.usage = amount;
        row.unblendedRate = -s.rate;
        row.unblended = -od;
        row.netUnblended = -od;
        this.emit(s.negation!, start, end);
      } else {
        row.unblendedRate = s.rate;
        row.unblended = od;
        row.netUnblended = r10(od * (1 - EDP_RATE));
        row.edp = r10(row.netUnblended - od);
        this.emit(s.profile, start, end);
        dayCost += od;
      }
    }
    return dayCost;
  }

  /** The day's EDP discount lines (the usage rows carry the net columns), private rates, bundles, credits, refund. */
  private discounts(
    d: number,
    dayStart: number,
    edpToday: AccountServiceCost,
    dataTransferToday: number,
    lambdaToday: number,
  ): void {
    const row = this.row;
    const fixed = this.fixed;
    for (const e of edpToday.values()) {
      this.reset();
      row.unblended = -r10(e.cost * EDP_RATE);
      row.netUnblended = 0;
      this.emit(fixed.edp(e.account, e.service), dayStart, dayStart + DAY);
    }
    if (dataTransferToday > 0) {
      this.reset();
      row.unblended = row.netUnblended = -r10(dataTransferToday * 0.08);
      this.emit(fixed.privateRate, dayStart, dayStart + DAY);
    }
    if (lambdaToday > 0) {
      this.reset();
      row.unblended = row.netUnblended = -r10(Math.min(lambdaToday, 0.4));
      this.emit(fixed.bundled, dayStart, dayStart + DAY);
    }
    if (d % 10 === 3) {
      this.reset();
      row.unblended = row.netUnblended = -25;
      this.emit(fixed.credit, dayStart, dayStart + DAY);
    }
    if (d === Math.floor(this.input.days / 2)) {
      this.reset();
      row.unblended = row.netUnblended = -137.5;
      this.emit(fixed.refund, dayStart, dayStart + DAY);
    }
  }

  /** On a month's first day: RI fees (and, the first month, purchases), SP fees, support and tax; false otherwise. */
  monthStart(d: number, firstMonth: boolean): boolean {
    const dayStart = this.input.startEpoch + d * DAY;
    const date = new Date(dayStart * 1000);
    if (date.getUTCDate() !== 1) return false;
    const month = isoDay(dayStart).slice(0, 7);
    const next = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) / 1000;
    const hoursInMonth = (next - dayStart) / 3600;
    this.reservedInstanceFees(dayStart, next, hoursInMonth, firstMonth);
    this.savingsPlanFees(month, dayStart, next, hoursInMonth, firstMonth);
    this.supportAndTax(month, dayStart, next);
    return true;
  }

  private reservedInstanceFees(
    dayStart: number,
    next: number,
    hoursInMonth: number,
    firstMonth: boolean,
  ): void {
    const row = this.row;
    for (const s of this.input.streams) {
      if (!s.ri) continue;
      this.reset();
      row.usage = hoursInMonth;
      row.unblendedRate = s.ri.recurringHourly;
      row.unblended = r10(s.ri.recurringHourly * hoursInMonth);
      row.netUnblended = row.unblended;
      row.resUnusedUpfront = r10(s.ri.upfrontHourly * hoursInMonth * 0.04);
      row.resUnusedRecurring = r10(row.unblended * 0.04);
      this.emit(s.ri.fee, dayStart, next);
      if (firstMonth) {
        this.reset();
        row.usage = 1;
        row.unblended = row.netUnblended = r10(s.ri.upfrontHourly * 8760);
        row.unblendedRate = row.unblended;
        this.emit(s.ri.purchase, dayStart, dayStart + 3600);
      }
    }
  }

  private savingsPlanFees(
    month: string,
    dayStart: number,
    next: number,
    hoursInMonth: number,
    firstMonth: boolean,
  ): void {
    const row = this.row;
    const used = this.spUsed.get(month) ?? 0;
    if (used <= 0) return;
    this.reset();
    row.spUsed = r10(used);
    row.spCommit = r10(used * 1.06);
    row.usage = hoursInMonth;
    row.unblended = row.netUnblended = row.spCommit;
    this.emit(this.fixed.spRecurring, dayStart, next);
    if (firstMonth) {
      this.reset();
      row.usage = 1;
      row.unblended = row.netUnblended = 1200;
      this.emit(this.fixed.spUpfront, dayStart, dayStart + 3600);
    }
  }

  private supportAndTax(month: string, dayStart: number, next: number): void {
    const row = this.row;
    this.reset();
    row.usage = 1;
    row.unblended = row.netUnblended = r10(Math.max(100, (this.monthUsage.get(month) ?? 0) * 0.1));
    this.emit(this.fixed.support, dayStart, next);
    for (const u of this.usageByAccountService.get(month)?.values() ?? []) {
      this.reset();
      row.unblended = row.netUnblended = r10(u.cost * 0.07);
      this.emit(this.fixed.tax(u.account, u.service), dayStart, next);
    }
  }

  private reset(): void {
    const row = this.row;
    row.usage = row.unblendedRate = row.unblended = row.netUnblended = row.odRate = row.odCost = 0;
    row.resEff =
      row.resUnusedUpfront =
      row.resUnusedRecurring =
      row.spEff =
      row.spRate =
      row.spCommit =
      row.spUsed =
      row.edp =
        0;
  }

  /** Appends the current row for profile `p` over [start, end) and adds it to the totals. */
  private emit(p: Profile, start: number, end: number): void {
    const row = this.row;
    const out = this.out;
    const a = amortizedOf(p.type, p.resArn, row, false);
    const na = amortizedOf(p.type, p.resArn, row, true);
    append(this.appender, p.id, start, end, row, a, na);
    out.rows++;
    const day = isoDay(start);
    let t = out.daily.get(day);
    if (!t) out.daily.set(day, (t = emptyTotals()));
    const usage = USAGE_CLASS.has(p.type);
    addRow(t, row, a, na, usage);
    addRow(out.totals, row, a, na, usage);
    const bt = (out.byType[p.type] ??= { line_items: 0, unblended: 0, amortized: 0 });
    bt.line_items++;
    bt.unblended += row.unblended;
    bt.amortized += a;
    const bs = (out.byService[p.productCode] ??= { unblended: 0, amortized: 0 });
    bs.unblended += row.unblended;
    bs.amortized += a;
    const ba = (out.byAccount[p.accountId] ??= { unblended: 0, amortized: 0 });
    ba.unblended += row.unblended;
    ba.amortized += a;
  }
}

function addRow(t: MeasureTotals, row: Row, a: number, na: number, usage: boolean): void {
  t.unblended += row.unblended;
  t.net_unblended += row.netUnblended;
  t.amortized += a;
  t.net_amortized += na;
  t.public_on_demand += row.odCost;
  if (usage) {
    t.usage_unblended += row.unblended;
    t.usage_amortized += a;
  }
  t.line_items += 1;
}

function append(
  a: DuckDBAppender,
  profile: number,
  start: number,
  end: number,
  r: Row,
  am: number,
  nam: number,
) {
  a.appendInteger(profile);
  a.appendInteger(start);
  a.appendInteger(end);
  a.appendDouble(r.usage);
  a.appendDouble(r.unblendedRate);
  a.appendDouble(r.unblended);
  a.appendDouble(r.netUnblended);
  a.appendDouble(r.odRate);
  a.appendDouble(r.odCost);
  a.appendDouble(r.resEff);
  a.appendDouble(r.resUnusedUpfront);
  a.appendDouble(r.resUnusedRecurring);
  a.appendDouble(r.spEff);
  a.appendDouble(r.spRate);
  a.appendDouble(r.spCommit);
  a.appendDouble(r.spUsed);
  a.appendDouble(r.edp);
  a.appendDouble(am);
  a.appendDouble(nam);
  a.endRow();
}

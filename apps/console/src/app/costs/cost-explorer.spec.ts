import { HarnessLoader } from '@angular/cdk/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { TestRequest } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { MatFormFieldHarness } from '@angular/material/form-field/testing';
import { MatInputHarness } from '@angular/material/input/testing';
import { MatSelectHarness } from '@angular/material/select/testing';
import { MatSortHarness } from '@angular/material/sort/testing';
import { MatTableHarness } from '@angular/material/table/testing';
import { costsResponse } from '../../testing/cost-fixtures';
import { errorBody, http, provideTestApp, withSession } from '../../testing/test-providers';
import { CostExplorer } from './cost-explorer';
import { TODAY, presetRange, toCsv } from './costs-query';

const today = () => new Date(2026, 10, 24); // 2026-11-24, local time

describe('presetRange', () => {
  it('computes the preset ranges', () => {
    const d = today();
    expect(presetRange('last_7', d)).toEqual({ from: '2026-11-18', to: '2026-11-24' });
    expect(presetRange('this_month', d)).toEqual({ from: '2026-11-01', to: '2026-11-24' });
    expect(presetRange('last_month', d)).toEqual({ from: '2026-10-01', to: '2026-10-31' });
    expect(presetRange('last_12_months', d)).toEqual({ from: '2025-12-01', to: '2026-11-24' });
  });
});

describe('CostExplorer', () => {
  let fixture: ComponentFixture<CostExplorer>;
  let loader: HarnessLoader;

  const costsRequest = (): TestRequest => http().expectOne((req) => req.url === '/api/costs');
  const params = (req: TestRequest) =>
    Object.fromEntries(req.request.params.keys().map((k) => [k, req.request.params.get(k)]));

  async function open() {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideTestApp(), { provide: TODAY, useValue: today }] });
    withSession();
    fixture = TestBed.createComponent(CostExplorer);
    loader = TestbedHarnessEnvironment.loader(fixture);
    TestBed.tick();
    const req = costsRequest();
    expect(params(req)).toEqual({
      from: '2026-10-26',
      to: '2026-11-24',
      group_by: 'service',
      granularity: 'daily',
    });
    req.flush(costsResponse());
    await fixture.whenStable();
  }

  afterEach(() => http().verify());

  const el = () => fixture.nativeElement as HTMLElement;
  const text = (id: string) =>
    el().querySelector(`[data-testid=${id}]`)?.textContent?.replace(/\s+/g, ' ').trim();
  const select = (id: string) =>
    loader.getHarness(MatSelectHarness.with({ selector: `[data-testid=${id}]` }));
  const input = (id: string) => loader.getHarness(MatInputHarness.with({ selector: `[data-testid=${id}]` }));
  const apply = () => {
    el().querySelector<HTMLButtonElement>('[data-testid=costs-apply]')?.click();
    TestBed.tick();
  };

  it('shows the total, the groups by total with their share, and the tenant measure', async () => {
    await open();
    expect(text('costs-total')).toBe('$250.00');
    const table = await loader.getHarness(MatTableHarness.with({ selector: '[data-testid=costs-table]' }));
    const rows = await table.getCellTextByIndex();
    expect(rows).toEqual([
      ['AmazonEC2', '$220.00', '88.0%'],
      ['AmazonS3', '$25.50', '10.2%'],
      ['Amazon "Bedrock", GenAI', '$4.50', '1.8%'],
    ]);
    expect(el().querySelector('[data-testid=costs-chart]')).not.toBeNull();
    expect(await (await select('costs-measure')).getValueText()).toBe('Unblended');

    const sort = await loader.getHarness(MatSortHarness);
    const [group] = await sort.getSortHeaders({ label: 'Service' });
    await group?.click();
    expect((await table.getCellTextByColumnName())['group']?.text).toEqual([
      'Amazon "Bedrock", GenAI',
      'AmazonEC2',
      'AmazonS3',
    ]);
  });

  it('builds the query from the form', async () => {
    await open();
    await (await select('costs-range')).clickOptions({ text: 'Last 12 months' });
    await (await select('costs-group-by')).clickOptions({ text: 'Account' });
    await (await select('costs-measure')).clickOptions({ text: 'Net amortized' });
    await (await select('costs-granularity')).clickOptions({ text: 'Monthly' });
    apply();
    let req = costsRequest();
    expect(params(req)).toEqual({
      from: '2025-12-01',
      to: '2026-11-24',
      group_by: 'account',
      measure: 'net_amortized',
      granularity: 'monthly',
    });
    req.flush(costsResponse({ group_by: 'account', measure: 'net_amortized', granularity: 'monthly' }));
    await fixture.whenStable();

    await (await input('costs-from')).setValue('2026-01-15');
    expect(await (await select('costs-range')).getValueText()).toBe('Custom');
    apply();
    req = costsRequest();
    expect(params(req)['from']).toBe('2026-01-15');
    expect(params(req)['to']).toBe('2026-11-24');
    req.flush(costsResponse());
    await fixture.whenStable();
  });

  it('checks the range with the contract before asking', async () => {
    await open();
    await (await input('costs-from')).setValue('2026-12-01');
    apply();
    http().expectNone((req) => req.url === '/api/costs');
    await fixture.whenStable();
    expect(text('costs-error')).toContain('from must not be after to');
  });

  it('shows the 400 details under the fields', async () => {
    await open();
    await (await input('costs-from')).setValue('2025-01-01');
    apply();
    costsRequest().flush(
      errorBody('VALIDATION_FAILED', 'Invalid query', [
        { field: 'to', message: 'The range may span at most 2 years' },
      ]),
      { status: 400, statusText: 'Bad Request' },
    );
    await fixture.whenStable();
    expect(text('costs-error')).toContain('The range may span at most 2 years');
    const to = await loader.getHarness(MatFormFieldHarness.with({ floatingLabelText: 'To' }));
    expect(await to.getTextErrors()).toEqual(['The range may span at most 2 years']);
    // Not in a snackbar as well.
    expect(document.querySelector('mat-snack-bar-container')).toBeNull();
  });

  it('exports the items as CSV', async () => {
    await open();
    expect(toCsv(costsResponse().items)).toBe(
      'date,group,cost\n' +
        '2026-11-01,AmazonEC2,100\n' +
        '2026-11-01,AmazonS3,25.5\n' +
        '2026-11-02,AmazonEC2,120\n' +
        '2026-11-02,"Amazon ""Bedrock"", GenAI",4.5\n',
    );
    const blobs: Blob[] = [];
    const createObjectURL = jest.fn((blob: Blob) => {
      blobs.push(blob);
      return 'blob:costs';
    });
    const revokeObjectURL = jest.fn();
    Object.assign(URL, { createObjectURL, revokeObjectURL });
    const clicked: string[] = [];
    jest.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this.download);
    });
    el().querySelector<HTMLButtonElement>('[data-testid=costs-export]')?.click();
    expect(clicked).toEqual(['costs_2026-11-01_2026-11-02_service_daily.csv']);
    expect(blobs[0]?.type).toBe('text/csv;charset=utf-8');
    const csv = await new Promise<string>((resolve) => {
      const reader = new FileReader();
      reader.onload = () => resolve(typeof reader.result === 'string' ? reader.result : '');
      reader.readAsText(blobs[0] as Blob);
    });
    expect(csv).toContain('date,group,cost\n2026-11-01,AmazonEC2,100\n');
    jest.restoreAllMocks();
  });
});

describe('toCsv', () => {
  it('neutralises spreadsheet formulas in exported names (= + - @, tab, carriage return)', () => {
    const item = (group: string) => ({ date: '2026-11-01', group, cost: -12.5 });
    const csv = toCsv(
      ['=HYPERLINK("http://x","y")', '+1+cmd|/c calc', '-2+3', '@SUM(A1)', '\tTAB', '\rCR', 'AmazonEC2'].map(
        item,
      ),
    );
    expect(csv.split('\n').slice(1, -1)).toEqual([
      `2026-11-01,"'=HYPERLINK(""http://x"",""y"")",-12.5`,
      `2026-11-01,'+1+cmd|/c calc,-12.5`,
      `2026-11-01,'-2+3,-12.5`,
      `2026-11-01,'@SUM(A1),-12.5`,
      `2026-11-01,'\tTAB,-12.5`,
      `2026-11-01,"'\rCR",-12.5`,
      `2026-11-01,AmazonEC2,-12.5`,
    ]);
  });
});

import { HarnessLoader, manualChangeDetection } from '@angular/cdk/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatDialogHarness } from '@angular/material/dialog/testing';
import { MatInputHarness } from '@angular/material/input/testing';
import { MatSelectHarness } from '@angular/material/select/testing';
import { MatSlideToggleHarness } from '@angular/material/slide-toggle/testing';
import type { Role } from '@cost-optimizer/dto';
import {
  CUSTOM_MONITOR_ID,
  MONITOR_ID,
  backtest,
  customMonitor,
  monitor,
} from '../../testing/anomaly-fixtures';
import { http, provideTestApp, withSession } from '../../testing/test-providers';
import { AnomalyMonitors } from './anomaly-monitors';

describe('AnomalyMonitors', () => {
  let fixture: ComponentFixture<AnomalyMonitors>;
  let loader: HarnessLoader;
  let root: HarnessLoader;

  async function open(role: Role = 'owner') {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideTestApp()] });
    withSession({ role });
    fixture = TestBed.createComponent(AnomalyMonitors);
    loader = TestbedHarnessEnvironment.loader(fixture);
    root = TestbedHarnessEnvironment.documentRootLoader(fixture);
    TestBed.tick();
    http()
      .expectOne('/api/anomaly-monitors')
      .flush({ items: [monitor(), customMonitor()] });
    await fixture.whenStable();
  }

  afterEach(() => http().verify());

  const el = () => fixture.nativeElement as HTMLElement;
  const rows = () => [...el().querySelectorAll('[data-testid=monitor-row]')];
  const button = (id: string) =>
    loader.getHarness(MatButtonHarness.with({ selector: `[data-testid=${id}]` }));

  it('lists monitors and disables one with PATCH', async () => {
    await open();
    expect(rows().map((r) => r.textContent?.replace(/\s+/g, ' ').trim())).toEqual([
      expect.stringContaining('Per service Default'),
      expect.stringContaining('EC2 only Custom filter'),
    ]);
    // Only custom monitors can be deleted.
    expect(el().querySelectorAll('[data-testid=monitor-delete]')).toHaveLength(1);

    const [first] = await loader.getAllHarnesses(MatSlideToggleHarness);
    expect(await first?.isChecked()).toBe(true);
    await first?.toggle();
    const req = http().expectOne(`/api/anomaly-monitors/${MONITOR_ID}`);
    expect(req.request.method).toBe('PATCH');
    expect(req.request.body).toEqual({ enabled: false });
    req.flush(monitor({ enabled: false }));
    await fixture.whenStable();
    expect(await first?.isChecked()).toBe(false);
  });

  it('deletes a custom monitor after confirmation', async () => {
    await open();
    await (await button('monitor-delete')).click();
    const dialog = await root.getHarness(MatDialogHarness);
    expect(await dialog.getText()).toContain('EC2 only');
    await (await root.getHarness(MatButtonHarness.with({ selector: '[data-testid=confirm-ok]' }))).click();
    const req = http().expectOne(`/api/anomaly-monitors/${CUSTOM_MONITOR_ID}`);
    expect(req.request.method).toBe('DELETE');
    req.flush(null, { status: 204, statusText: 'No Content' });
    TestBed.tick();
    http()
      .expectOne('/api/anomaly-monitors')
      .flush({ items: [monitor()] });
    await fixture.whenStable();
    expect(rows()).toHaveLength(1);
  });

  it('creates a custom monitor by dimension', async () => {
    await open();
    await (
      await loader.getHarness(MatInputHarness.with({ selector: '[data-testid=monitor-name]' }))
    ).setValue('Regions');
    const dimension = await loader.getHarness(
      MatSelectHarness.with({ selector: '[data-testid=monitor-dimension]' }),
    );
    await dimension.open();
    await dimension.clickOptions({ text: 'Region' });
    await (await button('monitor-create')).click();
    const req = http().expectOne('/api/anomaly-monitors');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({ name: 'Regions', dimension: 'region', filter: {} });
    req.flush(customMonitor({ name: 'Regions', dimension: 'region' }), {
      status: 201,
      statusText: 'Created',
    });
    TestBed.tick();
    http()
      .expectOne((r) => r.method === 'GET' && r.url === '/api/anomaly-monitors')
      .flush({ items: [monitor(), customMonitor({ name: 'Regions', dimension: 'region' })] });
    await fixture.whenStable();
    expect(rows()[1]?.textContent).toContain('Regions');
  });

  it('previews what a monitor would have raised over 90 days', async () => {
    await open();
    expect(await (await button('backtest-run')).isDisabled()).toBe(true);
    const pick = await loader.getHarness(
      MatSelectHarness.with({ selector: '[data-testid=backtest-monitor]' }),
    );
    await pick.open();
    await pick.clickOptions({ text: 'Per service' });
    await manualChangeDetection(() => button('backtest-run').then((b) => b.click()));
    TestBed.tick();
    http().expectOne(`/api/anomalies/backtest?monitor=${MONITOR_ID}&days=90`).flush(backtest());
    await fixture.whenStable();
    const results = el().querySelector('[data-testid=backtest-results]')?.textContent?.replace(/\s+/g, ' ');
    expect(results).toContain('1 alert would have been raised');
    expect(results).toContain('AmazonS3');
    expect(results).toContain('$210.50 (+64.2%)');
    expect(results).toContain('Medium');
  });

  it('is read-only for a viewer', async () => {
    await open('viewer');
    expect(el().querySelector('[data-testid=monitor-delete]')).toBeNull();
    expect(el().querySelector('[data-testid=monitor-create]')).toBeNull();
    const [first] = await loader.getAllHarnesses(MatSlideToggleHarness);
    expect(await first?.isDisabled()).toBe(true);
  });
});

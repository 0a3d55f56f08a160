import { HarnessLoader } from '@angular/cdk/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { TestBed } from '@angular/core/testing';
import { MatButtonHarness } from '@angular/material/button/testing';
import { RouterTestingHarness } from '@angular/router/testing';
import { errorBody, http, provideTestApp } from '../../testing/test-providers';
import { ConfirmAlerts } from './confirm-alerts';

describe('ConfirmAlerts', () => {
  let harness: RouterTestingHarness;
  let loader: HarnessLoader;

  beforeEach(async () => {
    localStorage.clear();
    TestBed.configureTestingModule({
      providers: provideTestApp([{ path: 'confirm-alerts', component: ConfirmAlerts }]),
    });
    harness = await RouterTestingHarness.create();
  });

  afterEach(() => http().verify());

  async function open(url: string) {
    await harness.navigateByUrl(url, ConfirmAlerts);
    loader = TestbedHarnessEnvironment.loader(harness.fixture);
  }
  const text = (id: string) =>
    (harness.routeNativeElement as HTMLElement).querySelector(`[data-testid=${id}]`)?.textContent?.trim();

  it('confirms only when the recipient presses Confirm, then says whose alerts come', async () => {
    await open('/confirm-alerts?token=tok-0123456789abcdefghij');
    // Opening the link sends nothing (mail scanners open links).
    http().expectNone('/api/alert-recipients/confirm');
    await (
      await loader.getHarness(MatButtonHarness.with({ selector: '[data-testid=confirm-alerts]' }))
    ).click();
    const req = http().expectOne('/api/alert-recipients/confirm');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({ token: 'tok-0123456789abcdefghij' });
    req.flush({ email: 'cfo@example.com', tenant_name: 'Acme' });
    await harness.fixture.whenStable();
    expect(text('confirm-alerts-done')).toBe(
      'Confirmed: cfo@example.com now receives the cost anomaly alerts of Acme.',
    );
    expect(
      await loader.getAllHarnesses(MatButtonHarness.with({ selector: '[data-testid=confirm-alerts]' })),
    ).toHaveLength(0);
  });

  it('says when a link is unknown, used or expired', async () => {
    await open('/confirm-alerts?token=tok-0123456789abcdefghij');
    await (
      await loader.getHarness(MatButtonHarness.with({ selector: '[data-testid=confirm-alerts]' }))
    ).click();
    http()
      .expectOne('/api/alert-recipients/confirm')
      .flush(errorBody('NOT_FOUND', 'This confirmation link is unknown, used or expired'), {
        status: 404,
        statusText: 'Not Found',
      });
    await harness.fixture.whenStable();
    expect(text('confirm-alerts-error')).toBe('This confirmation link is unknown, used or expired');
  });

  it('says when the link has no token, and offers nothing to press', async () => {
    await open('/confirm-alerts');
    expect(text('confirm-alerts-error')).toMatch(/no token/);
    expect(
      await loader.getAllHarnesses(MatButtonHarness.with({ selector: '[data-testid=confirm-alerts]' })),
    ).toHaveLength(0);
  });
});

import { TestBed } from '@angular/core/testing';
import { HarnessLoader } from '@angular/cdk/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatNavListHarness } from '@angular/material/list/testing';
import { MatMenuHarness } from '@angular/material/menu/testing';
import { Router } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { emptyDashboard } from '../../../testing/cost-fixtures';
import { connection, http, me, provideTestApp, signIn } from '../../../testing/test-providers';
import { routes } from '../../app.routes';
import { TokenStore } from '../auth/token-store';

describe('Shell and routes', () => {
  let harness: RouterTestingHarness;
  let loader: HarnessLoader;

  beforeEach(async () => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: provideTestApp(routes) });
    harness = await RouterTestingHarness.create();
    loader = TestbedHarnessEnvironment.loader(harness.fixture);
  });

  afterEach(() => http().verify());

  const url = () => TestBed.inject(Router).url;
  const text = (testId: string) =>
    (harness.routeNativeElement?.querySelector(`[data-testid=${testId}]`)?.textContent ?? '').trim();

  async function openSignedIn(path: string, overrides: Parameters<typeof me>[0] = {}) {
    signIn();
    await harness.navigateByUrl(path);
    http().expectOne('/api/auth/me').flush(me(overrides));
    await answerPageRequests();
  }

  /** Dashboard and Connect AWS load the AWS connection; the dashboard loads its figures. */
  async function answerPageRequests() {
    TestBed.tick();
    for (const req of http().match('/api/tenants/connection')) req.flush(connection());
    for (const req of http().match('/api/dashboard')) req.flush(emptyDashboard(false));
    await harness.fixture.whenStable();
  }

  async function navLabels(): Promise<string[]> {
    const items = await (await loader.getHarness(MatNavListHarness)).getItems();
    return Promise.all(items.map((item) => item.getTitle()));
  }

  it('sends visitors without a session to /login, remembering where they were going', async () => {
    await harness.navigateByUrl('/settings');
    expect(url()).toBe('/login?returnUrl=%2Fsettings');
  });

  it('opens the dashboard by default and shows the tenant name and the plain navigation', async () => {
    await openSignedIn('/');
    expect(url()).toBe('/dashboard');
    expect(harness.routeNativeElement?.querySelector('[data-testid=tenant-name]')?.textContent).toBe(
      'Analytical Engines Ltd',
    );
    expect(await navLabels()).toEqual([
      'Dashboard',
      'Cost Explorer',
      'Anomalies',
      'Metrics',
      'Connect AWS',
      'Settings',
    ]);
    expect(text('dashboard-connect-aws')).toContain('Connect your AWS account');
    expect(harness.routeNativeElement?.querySelector('[data-testid=nav-costs]')?.getAttribute('href')).toBe(
      '/costs',
    );
  });

  it('shows Admin to global owners only', async () => {
    await openSignedIn('/dashboard', { is_global_owner: true });
    expect(await navLabels()).toEqual([
      'Dashboard',
      'Cost Explorer',
      'Anomalies',
      'Metrics',
      'Connect AWS',
      'Settings',
      'Admin',
    ]);
  });

  it('keeps other users out of /admin', async () => {
    await openSignedIn('/dashboard');
    await harness.navigateByUrl('/admin');
    expect(url()).toBe('/dashboard');
  });

  it('opens the Connect AWS page with the External ID, and links to it from the dashboard', async () => {
    await openSignedIn('/connect-aws');
    expect(text('connect-external-id')).toBe(connection().external_id);
    await harness.navigateByUrl('/dashboard');
    await answerPageRequests();
    expect(
      harness.routeNativeElement?.querySelector('[data-testid=dashboard-connect-aws]')?.getAttribute('href'),
    ).toBe('/connect-aws');
  });

  it('logs out from the user menu: revokes the refresh token, forgets the session, opens /login', async () => {
    await openSignedIn('/dashboard');
    const menu = await loader.getHarness(MatMenuHarness.with({ selector: '[data-testid=user-menu]' }));
    await menu.open();
    await menu.clickItem({ text: /Log out/ });

    const logout = http().expectOne('/api/auth/logout');
    expect(logout.request.body).toEqual({});
    logout.flush(null, { status: 204, statusText: 'No Content' });
    await harness.fixture.whenStable();

    expect(url()).toBe('/login');
    expect(TestBed.inject(TokenStore).signedIn()).toBe(false);
    expect(localStorage.getItem('signed_in')).toBeNull();
    expect(
      await loader.getHarness(MatButtonHarness.with({ selector: '[data-testid=login-submit]' })),
    ).toBeTruthy();
  });

  it('sends a signed-in user away from /login', async () => {
    await openSignedIn('/dashboard');
    await harness.navigateByUrl('/login');
    expect(url()).toBe('/dashboard');
  });
});

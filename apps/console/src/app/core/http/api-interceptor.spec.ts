import { HttpClient } from '@angular/common/http';
import { Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { MatSnackBarHarness } from '@angular/material/snack-bar/testing';
import { Router } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { firstValueFrom } from 'rxjs';
import { errorBody, http, provideTestApp, signIn, tokens } from '../../../testing/test-providers';
import { TokenStore } from '../auth/token-store';

@Component({ template: 'page' })
class Page {}

const unauthorized = { status: 401, statusText: 'Unauthorized' };

describe('apiInterceptor', () => {
  let harness: RouterTestingHarness;

  beforeEach(async () => {
    localStorage.clear();
    TestBed.configureTestingModule({
      providers: provideTestApp([
        { path: 'login', component: Page },
        { path: 'settings', component: Page },
      ]),
    });
    harness = await RouterTestingHarness.create('/settings');
  });

  afterEach(() => http().verify());

  const get = (url: string) => firstValueFrom(TestBed.inject(HttpClient).get(url));
  const snackBarMessage = async () =>
    (
      await TestbedHarnessEnvironment.documentRootLoader(harness.fixture).getHarness(MatSnackBarHarness)
    ).getMessage();

  it('sends the access token as a bearer token to the API only', async () => {
    signIn('access-1');
    const api = get('/api/tenants/current');
    const asset = get('/assets/config.json');

    const apiReq = http().expectOne('/api/tenants/current');
    expect(apiReq.request.headers.get('Authorization')).toBe('Bearer access-1');
    apiReq.flush({ ok: 1 });
    const assetReq = http().expectOne('/assets/config.json');
    expect(assetReq.request.headers.has('Authorization')).toBe(false);
    assetReq.flush({});
    await expect(api).resolves.toEqual({ ok: 1 });
    await asset;
  });

  it('refreshes once for concurrent 401s, then retries each request with the new token', async () => {
    signIn('old-access');
    const first = get('/api/tenants/current');
    const second = get('/api/tenants/current/members');
    http().expectOne('/api/tenants/current').flush(errorBody('UNAUTHORIZED', 'Expired'), unauthorized);
    http()
      .expectOne('/api/tenants/current/members')
      .flush(errorBody('UNAUTHORIZED', 'Expired'), unauthorized);

    const refresh = http().expectOne('/api/auth/refresh');
    // no token in the body: the browser sends the httpOnly cookie
    expect(refresh.request.body).toEqual({});
    expect(refresh.request.headers.has('Authorization')).toBe(false);
    refresh.flush(tokens('new-access', 'rotated-refresh-token-00000001'));

    const retries = http().match((r) => r.url.startsWith('/api/tenants/current'));
    expect(retries.map((r) => [r.request.url, r.request.headers.get('Authorization')])).toEqual([
      ['/api/tenants/current', 'Bearer new-access'],
      ['/api/tenants/current/members', 'Bearer new-access'],
    ]);
    retries[0]!.flush({ n: 1 });
    retries[1]!.flush({ n: 2 });
    await expect(first).resolves.toEqual({ n: 1 });
    await expect(second).resolves.toEqual({ n: 2 });
    expect(localStorage.getItem('access_token')).toBe('new-access');
    expect(JSON.stringify(localStorage)).not.toContain('rotated-refresh-token-00000001');
  });

  it('a 401 for a request sent with an already replaced token retries without another refresh', async () => {
    signIn('old-access');
    const late = get('/api/tenants/current');
    const pending = http().expectOne('/api/tenants/current');
    TestBed.inject(TokenStore).save(tokens('newer-access', 'rotated-refresh-token-00000002'));
    pending.flush(errorBody('UNAUTHORIZED', 'Expired'), unauthorized);

    http().expectNone('/api/auth/refresh');
    const retry = http().expectOne('/api/tenants/current');
    expect(retry.request.headers.get('Authorization')).toBe('Bearer newer-access');
    retry.flush({ ok: true });
    await expect(late).resolves.toEqual({ ok: true });
  });

  it('logs out to /login when the refresh is refused', async () => {
    signIn('old-access');
    const request = get('/api/tenants/current');
    http().expectOne('/api/tenants/current').flush(errorBody('UNAUTHORIZED', 'Expired'), unauthorized);
    http()
      .expectOne('/api/auth/refresh')
      .flush(errorBody('REFRESH_TOKEN_REUSED', 'Refresh token reused'), unauthorized);

    await expect(request).rejects.toMatchObject({ status: 401 });
    await harness.fixture.whenStable();
    expect(TestBed.inject(Router).url).toBe('/login');
    expect(localStorage.getItem('access_token')).toBeNull();
    expect(localStorage.getItem('signed_in')).toBeNull();
    expect(await snackBarMessage()).toBe('Your session has ended. Please log in again.');
  });

  it('logs out when the retried request is refused again, without refreshing twice', async () => {
    signIn('old-access');
    const request = get('/api/auth/me');
    http().expectOne('/api/auth/me').flush(errorBody('UNAUTHORIZED', 'Expired'), unauthorized);
    http().expectOne('/api/auth/refresh').flush(tokens('new-access'));
    http().expectOne('/api/auth/me').flush(errorBody('UNAUTHORIZED', 'Still no'), unauthorized);

    await expect(request).rejects.toMatchObject({ status: 401 });
    http().expectNone('/api/auth/refresh');
    await harness.fixture.whenStable();
    expect(TestBed.inject(Router).url).toBe('/login');
    expect(TestBed.inject(TokenStore).signedIn()).toBe(false);
  });

  it('shows a server error with its message and correlation id', async () => {
    signIn();
    const request = get('/api/tenants/current');
    http()
      .expectOne('/api/tenants/current')
      .flush(errorBody('INTERNAL', 'Internal server error'), { status: 500, statusText: 'Server Error' });
    await expect(request).rejects.toMatchObject({ status: 500 });
    expect(await snackBarMessage()).toBe('Internal server error (ref corr-123)');
    expect(TestBed.inject(TokenStore).signedIn()).toBe(true);
  });

  it('tells how long to wait when rate limited', async () => {
    const request = firstValueFrom(
      TestBed.inject(HttpClient).post('/api/auth/login', { email: 'a@b.co', password: 'x' }),
    );
    http()
      .expectOne('/api/auth/login')
      .flush(errorBody('RATE_LIMITED', 'Too many attempts'), {
        status: 429,
        statusText: 'Too Many Requests',
        headers: { 'Retry-After': '30' },
      });
    await expect(request).rejects.toMatchObject({ status: 429 });
    expect(await snackBarMessage()).toBe('Too many attempts (ref corr-123) Try again in 30 s.');
  });

  it('explains a network failure', async () => {
    signIn();
    const request = get('/api/tenants/current');
    http().expectOne('/api/tenants/current').error(new ProgressEvent('error'), { status: 0, statusText: '' });
    await expect(request).rejects.toMatchObject({ status: 0 });
    expect(await snackBarMessage()).toBe('Cannot reach the server. Check your connection and try again.');
  });
});

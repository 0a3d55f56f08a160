import { Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { HarnessLoader } from '@angular/cdk/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatInputHarness } from '@angular/material/input/testing';
import { MatFormFieldHarness } from '@angular/material/form-field/testing';
import { MatSnackBarHarness } from '@angular/material/snack-bar/testing';
import { Router } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { errorBody, http, provideTestApp, tokens } from '../../testing/test-providers';
import { TokenStore } from '../core/auth/token-store';
import { Login, safeReturnUrl } from './login';

@Component({ template: 'dashboard' })
class FakeDashboard {}

describe('Login', () => {
  let harness: RouterTestingHarness;
  let loader: HarnessLoader;

  beforeEach(async () => {
    localStorage.clear();
    TestBed.configureTestingModule({
      providers: provideTestApp([
        { path: 'login', component: Login },
        { path: 'dashboard', component: FakeDashboard },
        { path: 'settings', component: FakeDashboard },
      ]),
    });
    harness = await RouterTestingHarness.create();
  });

  afterEach(() => http().verify());

  async function open(url = '/login') {
    await harness.navigateByUrl(url, Login);
    loader = TestbedHarnessEnvironment.loader(harness.fixture);
  }

  async function fill(email: string, password: string) {
    await (
      await loader.getHarness(MatInputHarness.with({ selector: '[data-testid=login-email]' }))
    ).setValue(email);
    await (
      await loader.getHarness(MatInputHarness.with({ selector: '[data-testid=login-password]' }))
    ).setValue(password);
  }

  const submit = async () =>
    (await loader.getHarness(MatButtonHarness.with({ selector: '[data-testid=login-submit]' }))).click();

  it('logs in, stores both tokens and opens the dashboard', async () => {
    await open();
    await fill('Ada@Example.com', 'correct-horse-battery');
    await submit();

    const req = http().expectOne('/api/auth/login');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({ email: 'ada@example.com', password: 'correct-horse-battery' });
    expect(req.request.headers.has('Authorization')).toBe(false);
    req.flush(tokens('fresh-access', 'fresh-refresh-token-0000000001'));
    await harness.fixture.whenStable();

    expect(localStorage.getItem('access_token')).toBe('fresh-access');
    // the refresh token stays in the API's httpOnly cookie: never in storage
    expect(localStorage.getItem('refresh_token')).toBeNull();
    expect(JSON.stringify(localStorage)).not.toContain('fresh-refresh-token-0000000001');
    expect(TestBed.inject(Router).url).toBe('/dashboard');
  });

  it('returns to the page the guard came from', async () => {
    await open('/login?returnUrl=%2Fsettings');
    await fill('ada@example.com', 'correct-horse-battery');
    await submit();
    http().expectOne('/api/auth/login').flush(tokens());
    await harness.fixture.whenStable();
    expect(TestBed.inject(Router).url).toBe('/settings');
  });

  it('does not send an invalid form and says what is wrong', async () => {
    await open();
    await fill('not-an-email', '');
    await submit();

    http().expectNone('/api/auth/login');
    const email = await loader.getHarness(MatFormFieldHarness.with({ floatingLabelText: 'Email' }));
    expect(await email.getTextErrors()).toEqual(['Must be a valid email address']);
    const password = await loader.getHarness(MatFormFieldHarness.with({ floatingLabelText: 'Password' }));
    expect(await password.getTextErrors()).toEqual(['Password is required']);
  });

  it('shows wrong credentials from the server in a snackbar with the correlation id and stays', async () => {
    await open();
    await fill('ada@example.com', 'wrong-password');
    await submit();
    http()
      .expectOne('/api/auth/login')
      .flush(errorBody('INVALID_CREDENTIALS', 'Email or password is wrong'), {
        status: 401,
        statusText: 'Unauthorized',
      });
    await harness.fixture.whenStable();

    const snackBar = await TestbedHarnessEnvironment.documentRootLoader(harness.fixture).getHarness(
      MatSnackBarHarness,
    );
    expect(await snackBar.getMessage()).toBe('Email or password is wrong (ref corr-123)');
    expect(TestBed.inject(TokenStore).signedIn()).toBe(false);
    expect(TestBed.inject(Router).url).toBe('/login');
    expect(
      await (
        await loader.getHarness(MatButtonHarness.with({ selector: '[data-testid=login-submit]' }))
      ).isDisabled(),
    ).toBe(false);
  });
});

describe('safeReturnUrl', () => {
  it('keeps internal paths and refuses anything else', () => {
    expect(safeReturnUrl('/admin/tenants/1')).toBe('/admin/tenants/1');
    expect(safeReturnUrl('//evil.example')).toBe('/dashboard');
    expect(safeReturnUrl('https://evil.example')).toBe('/dashboard');
    expect(safeReturnUrl(undefined)).toBe('/dashboard');
  });
});

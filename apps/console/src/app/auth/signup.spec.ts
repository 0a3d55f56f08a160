import { Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { HarnessLoader } from '@angular/cdk/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatFormFieldHarness } from '@angular/material/form-field/testing';
import { MatInputHarness } from '@angular/material/input/testing';
import { Router } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { errorBody, http, provideTestApp, tokens } from '../../testing/test-providers';
import { Signup } from './signup';
import { TokenStore } from '../core/auth/token-store';

@Component({ template: 'dashboard' })
class FakeDashboard {}

describe('Signup', () => {
  let harness: RouterTestingHarness;
  let loader: HarnessLoader;

  beforeEach(async () => {
    localStorage.clear();
    TestBed.configureTestingModule({
      providers: provideTestApp([
        { path: 'signup', component: Signup },
        { path: 'dashboard', component: FakeDashboard },
      ]),
    });
    harness = await RouterTestingHarness.create();
    await harness.navigateByUrl('/signup', Signup);
    loader = TestbedHarnessEnvironment.loader(harness.fixture);
  });

  afterEach(() => http().verify());

  const input = (testId: string) =>
    loader.getHarness(MatInputHarness.with({ selector: `[data-testid=${testId}]` }));
  const submit = async () =>
    (await loader.getHarness(MatButtonHarness.with({ selector: '[data-testid=signup-submit]' }))).click();
  const errorsOf = async (label: string) =>
    (await loader.getHarness(MatFormFieldHarness.with({ floatingLabelText: label }))).getTextErrors();

  it('creates the account and tenant, keeps the tokens and opens the dashboard', async () => {
    await (await input('signup-email')).setValue('ada@example.com');
    await (await input('signup-password')).setValue('correct-horse-battery');
    await (await input('signup-name')).setValue(' Ada Lovelace ');
    await (await input('signup-tenant-name')).setValue('Analytical Engines Ltd');
    await submit();

    const req = http().expectOne('/api/auth/signup');
    expect(req.request.body).toEqual({
      email: 'ada@example.com',
      password: 'correct-horse-battery',
      name: 'Ada Lovelace',
      tenant_name: 'Analytical Engines Ltd',
    });
    req.flush(tokens('signup-access'), { status: 201, statusText: 'Created' });
    await harness.fixture.whenStable();

    expect(localStorage.getItem('access_token')).toBe('signup-access');
    expect(TestBed.inject(Router).url).toBe('/dashboard');
  });

  it('leaves out the optional fields when empty and checks the password length from the contract', async () => {
    await (await input('signup-email')).setValue('ada@example.com');
    await (await input('signup-password')).setValue('short');
    await submit();
    http().expectNone('/api/auth/signup');
    expect(await errorsOf('Password')).toEqual(['Must be at least 10 characters']);

    await (await input('signup-password')).setValue('long-enough-password');
    await submit();
    const req = http().expectOne('/api/auth/signup');
    expect(req.request.body).toEqual({ email: 'ada@example.com', password: 'long-enough-password' });
    req.flush(tokens(), { status: 201, statusText: 'Created' });
  });

  it('answers check_email (verification on: every sign-up) with check-your-email, no session, and shows field errors', async () => {
    await (await input('signup-email')).setValue('ada@example.com');
    await (await input('signup-password')).setValue('correct-horse-battery');
    await submit();
    http()
      .expectOne('/api/auth/signup')
      .flush(
        { status: 'check_email', message: 'Check your email to continue.' },
        { status: 202, statusText: 'Accepted' },
      );
    await harness.fixture.whenStable();
    const notice = (harness.routeNativeElement as HTMLElement).querySelector(
      '[data-testid=signup-check-email]',
    );
    expect(notice?.getAttribute('role')).toBe('status');
    expect(notice?.querySelector('h2')?.textContent?.trim()).toBe('Check your email');
    expect(notice?.textContent?.replace(/\s+/g, ' ')).toContain(
      'Check your email to continue. We sent a message to ada@example.com: a link that creates your account',
    );
    expect(TestBed.inject(TokenStore).signedIn()).toBe(false);

    await (await input('signup-email')).setValue('grace@example.com');
    await submit();
    http()
      .expectOne('/api/auth/signup')
      .flush(
        errorBody('VALIDATION_FAILED', 'Request body is invalid: password', [
          { field: 'password', message: 'Too common' },
        ]),
        { status: 400, statusText: 'Bad Request' },
      );
    await harness.fixture.whenStable();
    expect(await errorsOf('Password')).toEqual(['Too common']);
    expect(TestBed.inject(Router).url).toBe('/signup');
  });

  it('signs up through an invitation link: the invited email, the token, no company field', async () => {
    await harness.navigateByUrl(
      '/signup?invitation_token=inv-id.secret-of-the-link&email=grace%40example.com',
      Signup,
    );
    expect(await (await input('signup-email')).getValue()).toBe('grace@example.com');
    expect(
      (harness.routeNativeElement as HTMLElement).querySelector('[data-testid=signup-tenant-name]'),
    ).toBeNull();
    await (await input('signup-password')).setValue('correct-horse-battery');
    await submit();
    const req = http().expectOne('/api/auth/signup');
    expect(req.request.body).toEqual({
      email: 'grace@example.com',
      password: 'correct-horse-battery',
      invitation_token: 'inv-id.secret-of-the-link',
    });
    req.flush(tokens('invited-access'), { status: 201, statusText: 'Created' });
    await harness.fixture.whenStable();
    expect(TestBed.inject(Router).url).toBe('/dashboard');
  });
});

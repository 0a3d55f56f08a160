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

  it('shows an existing email and per-field validation errors from the server', async () => {
    await (await input('signup-email')).setValue('ada@example.com');
    await (await input('signup-password')).setValue('correct-horse-battery');
    await submit();
    http()
      .expectOne('/api/auth/signup')
      .flush(errorBody('CONFLICT', 'Email already registered'), { status: 409, statusText: 'Conflict' });
    await harness.fixture.whenStable();
    expect(await errorsOf('Email')).toEqual(['An account with this email already exists: log in instead']);

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
});

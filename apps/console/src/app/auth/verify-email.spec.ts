import { Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { HarnessLoader } from '@angular/cdk/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { MatButtonHarness } from '@angular/material/button/testing';
import { Router } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { errorBody, http, provideTestApp, tokens } from '../../testing/test-providers';
import { TokenStore } from '../core/auth/token-store';
import { VerifyEmail } from './verify-email';

@Component({ template: 'dashboard' })
class FakeDashboard {}

describe('VerifyEmail', () => {
  let harness: RouterTestingHarness;
  let loader: HarnessLoader;

  beforeEach(async () => {
    localStorage.clear();
    TestBed.configureTestingModule({
      providers: provideTestApp([
        { path: 'verify-email', component: VerifyEmail },
        { path: 'dashboard', component: FakeDashboard },
      ]),
    });
    harness = await RouterTestingHarness.create();
  });

  afterEach(() => http().verify());

  const open = async (url: string) => {
    await harness.navigateByUrl(url, VerifyEmail);
    loader = TestbedHarnessEnvironment.loader(harness.fixture);
  };
  const text = (testId: string) =>
    (harness.routeNativeElement as HTMLElement).querySelector(`[data-testid=${testId}]`)?.textContent?.trim();

  it('creates the account only when asked, keeps the tokens and opens the dashboard', async () => {
    await open('/verify-email?token=the-token-of-the-link-000000');
    http().expectNone('/api/auth/verify-email');
    await (await loader.getHarness(MatButtonHarness.with({ text: 'Create my account' }))).click();
    const req = http().expectOne('/api/auth/verify-email');
    expect(req.request.body).toEqual({ token: 'the-token-of-the-link-000000' });
    req.flush(tokens('verified-access'), { status: 201, statusText: 'Created' });
    await harness.fixture.whenStable();
    expect(localStorage.getItem('access_token')).toBe('verified-access');
    expect(TestBed.inject(Router).url).toBe('/dashboard');
  });

  it("shows the API's reason when the link is used or expired, and offers sign-up again", async () => {
    await open('/verify-email?token=the-token-of-the-link-000000');
    await (await loader.getHarness(MatButtonHarness.with({ text: 'Create my account' }))).click();
    http()
      .expectOne('/api/auth/verify-email')
      .flush(
        errorBody(
          'VERIFICATION_TOKEN_INVALID',
          'This verification token has expired (links work for 24 hours): sign up again',
        ),
        { status: 400, statusText: 'Bad Request' },
      );
    await harness.fixture.whenStable();
    expect(text('verify-email-error')).toBe(
      'This verification token has expired (links work for 24 hours): sign up again',
    );
    expect(text('goto-signup')).toBe('Sign up again');
    expect(TestBed.inject(TokenStore).signedIn()).toBe(false);
  });

  it('says so when the link has no token', async () => {
    await open('/verify-email');
    expect(text('verify-email-error')).toBe('This link has no token: open the link of the email.');
  });
});

import { Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { HarnessLoader } from '@angular/cdk/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { MatButtonHarness } from '@angular/material/button/testing';
import { RouterTestingHarness } from '@angular/router/testing';
import { errorBody, http, provideTestApp, tokens } from '../../testing/test-providers';
import { TokenStore } from '../core/auth/token-store';
import { Invitation } from './invitation';

@Component({ template: 'other page' })
class Elsewhere {}

const ID = '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f';
const LINK = `/invitation?token=${ID}.secret-of-the-link&email=grace%40example.com`;

describe('Invitation', () => {
  let harness: RouterTestingHarness;
  let loader: HarnessLoader;

  beforeEach(async () => {
    localStorage.clear();
    TestBed.configureTestingModule({
      providers: provideTestApp([
        { path: 'invitation', component: Invitation },
        { path: 'signup', component: Elsewhere },
        { path: 'login', component: Elsewhere },
        { path: 'dashboard', component: Elsewhere },
      ]),
    });
    harness = await RouterTestingHarness.create();
  });

  afterEach(() => http().verify());

  const open = async (url: string) => {
    await harness.navigateByUrl(url, Invitation);
    loader = TestbedHarnessEnvironment.loader(harness.fixture);
  };
  const el = (testId: string) =>
    (harness.routeNativeElement as HTMLElement).querySelector(`[data-testid=${testId}]`);

  it('signed out: links to sign-up with the token and the invited email, and to login coming back here', async () => {
    await open(LINK);
    const signup = new URL(el('invitation-signup')!.getAttribute('href')!, 'http://x');
    expect(signup.pathname).toBe('/signup');
    expect(signup.searchParams.get('invitation_token')).toBe(`${ID}.secret-of-the-link`);
    expect(signup.searchParams.get('email')).toBe('grace@example.com');
    const login = new URL(el('invitation-login')!.getAttribute('href')!, 'http://x');
    expect(login.searchParams.get('returnUrl')).toBe(decodeURIComponent(LINK));
  });

  it('signed in: accepts the invitation by its id', async () => {
    TestBed.inject(TokenStore).save(tokens('grace-access'));
    await open(LINK);
    await (await loader.getHarness(MatButtonHarness.with({ text: 'Accept the invitation' }))).click();
    http().expectOne(`/api/invitations/${ID}/accept`).flush({
      user_id: ID,
      email: 'grace@example.com',
      name: null,
      role: 'admin',
      joined_at: '2026-12-04T10:00:00Z',
    });
    await harness.fixture.whenStable();
    expect(el('invitation-accepted')?.textContent).toContain('You joined as admin');
  });

  it('signed in with another email: says the invitation is not for this account', async () => {
    TestBed.inject(TokenStore).save(tokens('other-access'));
    await open(LINK);
    await (await loader.getHarness(MatButtonHarness.with({ text: 'Accept the invitation' }))).click();
    http()
      .expectOne(`/api/invitations/${ID}/accept`)
      .flush(errorBody('NOT_FOUND', 'Invitation not found'), { status: 404, statusText: 'Not Found' });
    await harness.fixture.whenStable();
    expect(el('invitation-error')?.textContent).toContain(
      'not addressed to the account you are signed in with',
    );
  });

  it('says so when the link has no valid token', async () => {
    await open('/invitation?token=nonsense');
    expect(el('invitation-error')?.textContent?.trim()).toBe(
      'This link has no valid token: open the link of the email.',
    );
  });
});

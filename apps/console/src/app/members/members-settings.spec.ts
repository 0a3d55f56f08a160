import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { TestBed } from '@angular/core/testing';
import { MatSnackBarHarness } from '@angular/material/snack-bar/testing';
import { IDS, http, provideTestApp, withSession } from '../../testing/test-providers';
import { MembersSettings } from './members-settings';

describe('MembersSettings', () => {
  it('shows a clear error, not a crash, when the members answer breaks the contract', async () => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideTestApp()] });
    withSession({ role: 'owner' });
    const fixture = TestBed.createComponent(MembersSettings);
    const root = TestbedHarnessEnvironment.documentRootLoader(fixture);
    TestBed.tick();
    // A role the contract does not know, and no joined_at: parsed, not cast, so it never reaches the table.
    http()
      .expectOne('/api/tenants/current/members')
      .flush({ items: [{ user_id: IDS.user, email: 'ada@example.com', name: null, role: 'superuser' }] });
    http().expectOne('/api/tenants/current/invitations').flush({ items: [] });
    http().expectOne('/api/invitations').flush({ items: [] });
    await fixture.whenStable();

    const page = fixture.nativeElement as HTMLElement;
    expect(page.querySelector('app-member-table')).toBeNull();
    expect(page.querySelector('[role=alert]')?.textContent).toContain('The members could not be loaded.');
    const snackBar = await root.getHarness(MatSnackBarHarness);
    expect(await snackBar.getMessage()).toMatch(
      /^The server's answer was not in the expected format \(items\.0\.role: .+\)\. Reload the page/,
    );

    // Try again: a well-formed answer shows the table.
    page.querySelector<HTMLButtonElement>('app-load-error button')?.click();
    TestBed.tick();
    http()
      .expectOne('/api/tenants/current/members')
      .flush({
        items: [
          {
            user_id: IDS.user,
            email: 'ada@example.com',
            name: null,
            role: 'owner',
            joined_at: '2026-11-01T10:00:00.000Z',
          },
        ],
      });
    await fixture.whenStable();
    expect(page.querySelector('app-member-table')).not.toBeNull();
    expect(page.querySelector('app-load-error')).toBeNull();
  });
});

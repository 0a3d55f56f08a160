import { BreakpointObserver, Breakpoints } from '@angular/cdk/layout';
import { Component, computed, inject } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatDividerModule } from '@angular/material/divider';
import { MatIconModule } from '@angular/material/icon';
import { MatListModule } from '@angular/material/list';
import { MatMenuModule } from '@angular/material/menu';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSidenavModule } from '@angular/material/sidenav';
import { MatToolbarModule } from '@angular/material/toolbar';
import { RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { map } from 'rxjs';
import { Auth } from '../auth/auth';
import { Session } from '../auth/session';

interface NavItem {
  path: string;
  label: string;
  icon: string;
  testId: string;
}

const NAV: readonly NavItem[] = [
  { path: '/dashboard', label: 'Dashboard', icon: 'dashboard', testId: 'nav-dashboard' },
  { path: '/costs', label: 'Cost Explorer', icon: 'query_stats', testId: 'nav-costs' },
  { path: '/anomalies', label: 'Anomalies', icon: 'troubleshoot', testId: 'nav-anomalies' },
  { path: '/metrics', label: 'Metrics', icon: 'monitoring', testId: 'nav-metrics' },
  { path: '/connect-aws', label: 'Connect AWS', icon: 'cloud_sync', testId: 'nav-connect-aws' },
  { path: '/settings', label: 'Settings', icon: 'settings', testId: 'nav-settings' },
];
const ADMIN: NavItem = { path: '/admin', label: 'Admin', icon: 'admin_panel_settings', testId: 'nav-admin' };

/** The signed-in frame: toolbar with tenant and user menu, side navigation, the page. */
@Component({
  selector: 'app-shell',
  imports: [
    MatButtonModule,
    MatDividerModule,
    MatIconModule,
    MatListModule,
    MatMenuModule,
    MatProgressBarModule,
    MatSidenavModule,
    MatToolbarModule,
    RouterLink,
    RouterLinkActive,
    RouterOutlet,
  ],
  templateUrl: './shell.html',
  styleUrl: './shell.scss',
})
export class Shell {
  private readonly auth = inject(Auth);
  private readonly session = inject(Session);

  protected readonly me = this.session.me;
  protected readonly nav = computed(() => (this.session.isGlobalOwner() ? [...NAV, ADMIN] : NAV));
  protected readonly handset = toSignal(
    inject(BreakpointObserver)
      .observe(Breakpoints.Handset)
      .pipe(map((state) => state.matches)),
    { initialValue: false },
  );

  constructor() {
    // Failures are announced by the interceptor (and a 401 that cannot be refreshed leaves for /login).
    this.session.load().subscribe({ error: () => undefined });
  }

  protected logout(): void {
    this.auth.logout();
  }
}

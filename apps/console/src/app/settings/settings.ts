import { Component, computed, inject } from '@angular/core';
import { MatCardModule } from '@angular/material/card';
import { MatExpansionModule } from '@angular/material/expansion';
import { AlertSubscriptions } from '../alerts/alert-subscriptions';
import { AnomalyMonitors } from '../anomalies/anomaly-monitors';
import { AuditLog } from '../audit/audit-log';
import { CompanySettings } from '../company/company-settings';
import { AwsConnectionSettings } from '../connect-aws/aws-connection-settings';
import { Session } from '../core/auth/session';
import { MembersSettings } from '../members/members-settings';
import { SyncSettings } from '../sync/sync-settings';

/** Settings page: one card per feature; each feature's section loads its own data and makes its changes. */
@Component({
  selector: 'app-settings',
  imports: [
    AlertSubscriptions,
    AnomalyMonitors,
    AuditLog,
    AwsConnectionSettings,
    CompanySettings,
    MatCardModule,
    MatExpansionModule,
    MembersSettings,
    SyncSettings,
  ],
  templateUrl: './settings.html',
  styleUrl: './settings.scss',
})
export class Settings {
  private readonly session = inject(Session);
  protected readonly isOwner = computed(() => this.session.role() === 'owner');
}

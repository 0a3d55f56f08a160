import { httpResource } from '@angular/common/http';
import { Component, computed } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { RouterLink } from '@angular/router';
import { Connection } from '@cost-optimizer/dto';
import { PENDING_DATA_NOTE } from '../connect-aws/connection-api';
import { ComingSoon } from '../shared/coming-soon';

@Component({
  selector: 'app-dashboard',
  imports: [ComingSoon, MatButtonModule, RouterLink],
  template: `
    <section class="page">
      <h1 class="page-title">Dashboard</h1>
      <app-coming-soon
        icon="dashboard"
        heading="Your AWS spend at a glance"
        summary="Once your AWS account is connected, this page will show your daily cost and how it compares with what we expected."
        [points]="points"
      >
        @switch (status()) {
          @case ('not_connected') {
            <a mat-flat-button routerLink="/connect-aws" data-testid="dashboard-connect-aws">
              Connect your AWS account
            </a>
          }
          @case ('error') {
            <p>The last check of your AWS connection failed.</p>
            <a mat-stroked-button routerLink="/connect-aws" data-testid="dashboard-connect-aws">
              Review the AWS connection
            </a>
          }
          @case ('pending_data') {
            <p data-testid="dashboard-pending-data">{{ pendingNote }}</p>
          }
        }
      </app-coming-soon>
    </section>
  `,
})
export class Dashboard {
  protected readonly points = [
    'Daily cost for the last weeks, with the expected range',
    'The services and accounts that changed the most',
    'The latest open anomalies, one click away',
  ];
  protected readonly pendingNote = PENDING_DATA_NOTE;

  private readonly connection = httpResource<Connection>(() => '/api/tenants/connection');
  protected readonly status = computed(() =>
    this.connection.hasValue() ? this.connection.value().status : null,
  );
}

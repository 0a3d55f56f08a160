import { Component } from '@angular/core';
import { ComingSoon } from '../shared/coming-soon';

@Component({
  selector: 'app-dashboard',
  imports: [ComingSoon],
  template: `
    <section class="page">
      <h1 class="page-title">Dashboard</h1>
      <app-coming-soon
        icon="dashboard"
        heading="Your AWS spend at a glance"
        summary="Once your AWS account is connected, this page will show your daily cost and how it compares with what we expected."
        [points]="points"
      />
    </section>
  `,
})
export class Dashboard {
  protected readonly points = [
    'Daily cost for the last weeks, with the expected range',
    'The services and accounts that changed the most',
    'The latest open anomalies, one click away',
  ];
}

import { Component } from '@angular/core';
import { ComingSoon } from '../shared/coming-soon';

@Component({
  selector: 'app-connect-aws',
  imports: [ComingSoon],
  template: `
    <section class="page">
      <h1 class="page-title">Connect AWS</h1>
      <app-coming-soon
        icon="cloud_sync"
        heading="Connecting your AWS account is the next step"
        summary="Here you will give Cost Optimizer read-only access to your Cost and Usage Report, through an IAM role you create in your account."
        [points]="points"
      >
        <p class="next">
          Until then there is nothing to analyse: the dashboard and anomalies fill up once an account is
          connected.
        </p>
      </app-coming-soon>
    </section>
  `,
  styles: `
    .next {
      font: var(--mat-sys-body-medium);
      color: var(--mat-sys-on-surface-variant);
    }
  `,
})
export class ConnectAws {
  protected readonly points = [
    'A CloudFormation template that creates the role, with an External ID',
    'Where your Cost and Usage Report lives (Athena database, table and workgroup)',
    'A check that the connection works before we start reading your costs',
  ];
}

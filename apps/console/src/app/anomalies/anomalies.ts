import { Component } from '@angular/core';
import { ComingSoon } from '../shared/coming-soon';

@Component({
  selector: 'app-anomalies',
  imports: [ComingSoon],
  template: `
    <section class="page">
      <h1 class="page-title">Anomalies</h1>
      <app-coming-soon
        icon="troubleshoot"
        heading="Unexpected cost changes"
        summary="This page will list the cost anomalies we detect in your AWS bill, most significant first."
        [points]="points"
      />
    </section>
  `,
})
export class Anomalies {
  protected readonly points = [
    'When it started, which service, account and region, and how much it costs',
    'The usage behind it, so you can see why',
    'Acknowledge or resolve each one with your team',
  ];
}

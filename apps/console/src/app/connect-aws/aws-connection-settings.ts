import { Component, inject, signal } from '@angular/core';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSnackBar } from '@angular/material/snack-bar';
import { Connection } from '@cost-optimizer/dto';
import { Session } from '../core/auth/session';
import { Confirm } from '../shared/confirm-dialog';
import { AwsStatusCard } from './aws-status-card';
import { ConnectionApi, VerifyFailure, explainConnectError, verifyFailure } from './connection-api';
import { LoadError } from '../shared/load-error';

/** Settings section: the AWS connection's status, verifying it again, disconnecting. */
@Component({
  selector: 'app-aws-connection-settings',
  imports: [LoadError, AwsStatusCard, MatProgressBarModule],
  template: `
    @if (connection.hasValue()) {
      <app-aws-status-card
        [connection]="connection.value()"
        [canManage]="canManage()"
        [busy]="awsBusy()"
        [verified]="awsVerified()"
        [failure]="awsFailure()"
        [error]="awsError()"
        (reverify)="reverifyAws()"
        (disconnect)="confirmDisconnect()"
      />
    } @else if (connection.isLoading()) {
      <mat-progress-bar mode="indeterminate" aria-label="Loading the AWS connection" />
    } @else if (connection.error()) {
      <app-load-error what="The AWS connection" (retry)="connection.reload()" />
    }
  `,
  styleUrl: '../settings/settings-section.scss',
})
export class AwsConnectionSettings {
  private readonly api = inject(ConnectionApi);
  private readonly confirm = inject(Confirm);
  private readonly snackBar = inject(MatSnackBar);

  protected readonly canManage = inject(Session).canManage;
  protected readonly connection = this.api.connection();
  protected readonly awsBusy = signal(false);
  protected readonly awsVerified = signal<Connection | null>(null);
  protected readonly awsFailure = signal<VerifyFailure | null>(null);
  protected readonly awsError = signal<string | null>(null);

  protected reverifyAws(): void {
    this.startAwsChange();
    this.api.verify().subscribe({
      next: (connection) => {
        this.awsBusy.set(false);
        this.connection.set(connection);
        this.awsVerified.set(connection);
        this.snackBar.open('AWS connection verified', undefined, { duration: 3000 });
      },
      error: (err: unknown) => {
        this.awsBusy.set(false);
        const failure = verifyFailure(err);
        if (failure) this.awsFailure.set(failure);
        else this.awsError.set(explainConnectError(err));
        this.connection.reload();
      },
    });
  }

  protected confirmDisconnect(): void {
    this.confirm
      .then(
        {
          title: 'Disconnect AWS?',
          message:
            'Cost Optimizer stops reading your Cost and Usage Report. The cost history and anomalies found so far are kept; you can connect again at any time.',
          confirm: 'Disconnect',
        },
        () => {
          this.startAwsChange();
          return this.api.disconnect();
        },
      )
      .subscribe({
        next: () => {
          this.awsBusy.set(false);
          this.snackBar.open('AWS disconnected', undefined, { duration: 3000 });
          this.connection.reload();
        },
        error: (err: unknown) => {
          this.awsBusy.set(false);
          this.awsError.set(explainConnectError(err));
        },
      });
  }

  private startAwsChange(): void {
    this.awsBusy.set(true);
    this.awsVerified.set(null);
    this.awsFailure.set(null);
    this.awsError.set(null);
  }
}

import { Component, inject, signal } from '@angular/core';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSnackBar } from '@angular/material/snack-bar';
import { Measure } from '@cost-optimizer/dto';
import { Session } from '../core/auth/session';
import { MEASURE_LABELS } from '../shared/format';
import { CompanyApi } from './company-api';
import { MeasureSetting } from './measure-setting';
import { TenantNameForm } from './tenant-name-form';
import { LoadError } from '../shared/load-error';

/** Settings section: the company's name and default measure. */
@Component({
  selector: 'app-company-settings',
  imports: [LoadError, MatProgressBarModule, MeasureSetting, TenantNameForm],
  template: `
    @if (tenant.isLoading()) {
      <mat-progress-bar mode="indeterminate" aria-label="Loading company" />
    } @else if (tenant.hasValue()) {
      <app-tenant-name-form
        [name]="tenant.value().name"
        [canEdit]="canManage()"
        [saving]="savingName()"
        (save)="rename($event)"
      />
      <app-measure-setting
        [measure]="tenant.value().default_measure"
        [canEdit]="canManage()"
        [saving]="savingMeasure()"
        (measureChange)="changeMeasure($event)"
      />
    } @else if (tenant.error()) {
      <app-load-error what="The company" (retry)="tenant.reload()" />
    }
  `,
  styleUrl: '../settings/settings-section.scss',
})
export class CompanySettings {
  private readonly api = inject(CompanyApi);
  private readonly session = inject(Session);
  private readonly snackBar = inject(MatSnackBar);

  protected readonly tenant = this.api.tenant();
  protected readonly canManage = this.session.canManage;
  protected readonly savingName = signal(false);
  protected readonly savingMeasure = signal(false);

  protected changeMeasure(measure: Measure): void {
    this.savingMeasure.set(true);
    this.api.update({ default_measure: measure }).subscribe({
      next: (tenant) => {
        this.tenant.set(tenant);
        this.savingMeasure.set(false);
        this.snackBar.open(`Default measure: ${MEASURE_LABELS[tenant.default_measure]}`, undefined, {
          duration: 3000,
        });
      },
      error: () => {
        this.savingMeasure.set(false);
        this.tenant.reload();
      },
    });
  }

  protected rename(name: string): void {
    this.savingName.set(true);
    this.api.update({ name }).subscribe({
      next: (tenant) => {
        this.tenant.set(tenant);
        this.session.renameTenant(tenant.name);
        this.savingName.set(false);
        this.snackBar.open('Company name saved', undefined, { duration: 3000 });
      },
      error: () => this.savingName.set(false),
    });
  }
}

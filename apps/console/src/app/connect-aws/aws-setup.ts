import { CdkCopyToClipboard } from '@angular/cdk/clipboard';
import { Component, input, output } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatIconModule } from '@angular/material/icon';
import { MatTooltipModule } from '@angular/material/tooltip';
import { Connection } from '@cost-optimizer/dto';

/** Step 1: what to put in AWS (External ID, principal to trust) and the stack to create the role. */
@Component({
  selector: 'app-aws-setup',
  imports: [CdkCopyToClipboard, MatButtonModule, MatIconModule, MatTooltipModule],
  template: `
    @let c = connection();
    <p>
      Create a read-only IAM role in your AWS account with our CloudFormation stack. The stack trusts our
      platform only when it presents your External ID, and reads nothing but your Cost and Usage Report.
    </p>
    <dl class="values">
      <dt>Your External ID</dt>
      <dd>
        <code data-testid="connect-external-id">{{ c.external_id }}</code>
        <button
          mat-icon-button
          type="button"
          [cdkCopyToClipboard]="c.external_id"
          (cdkCopyToClipboardCopied)="copied.emit({ what: 'External ID', ok: $event })"
          matTooltip="Copy the External ID"
          aria-label="Copy the External ID"
          data-testid="connect-copy-external-id"
        >
          <mat-icon>content_copy</mat-icon>
        </button>
      </dd>
      <dt>Principal your role must trust</dt>
      <dd>
        <code data-testid="connect-principal">{{ c.platform_principal_arn }}</code>
        <button
          mat-icon-button
          type="button"
          [cdkCopyToClipboard]="c.platform_principal_arn"
          (cdkCopyToClipboardCopied)="copied.emit({ what: 'Principal ARN', ok: $event })"
          matTooltip="Copy the principal ARN"
          aria-label="Copy the principal ARN"
          data-testid="connect-copy-principal"
        >
          <mat-icon>content_copy</mat-icon>
        </button>
      </dd>
    </dl>
    <div class="actions">
      <a
        mat-flat-button
        [href]="c.quick_create_url"
        target="_blank"
        rel="noopener noreferrer"
        data-testid="connect-launch-stack"
      >
        <mat-icon>open_in_new</mat-icon>
        Launch stack
      </a>
      <a mat-stroked-button [href]="c.template_url" download data-testid="connect-template-download">
        <mat-icon>download</mat-icon>
        Download the template
      </a>
    </div>
    <ul class="notes">
      <li>
        "Launch stack" opens the AWS console with the External ID already filled in. Tick "I acknowledge that
        AWS CloudFormation might create IAM resources with custom names" and create the stack.
      </li>
      <li>
        Create it in the region of your Athena workgroup and CUR table. When it is done, its
        <strong>Outputs</strong> tab lists the values for step 2 (RoleArn, ExternalId, Region, ...).
      </li>
      <li>Do not change the External ID in AWS: we only accept the one shown here.</li>
    </ul>
  `,
  styles: `
    .values {
      display: grid;
      grid-template-columns: max-content 1fr;
      gap: 4px 16px;
      align-items: center;
      margin: 16px 0;
    }
    dt {
      font: var(--mat-sys-label-large);
      color: var(--mat-sys-on-surface-variant);
    }
    dd {
      margin: 0;
      display: flex;
      align-items: center;
      gap: 4px;
      min-width: 0;
    }
    code {
      font-family: 'Roboto Mono', ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
      background: var(--mat-sys-surface-container);
      padding: 2px 6px;
      border-radius: 4px;
      overflow-wrap: anywhere;
    }
    .actions {
      display: flex;
      gap: 12px;
      flex-wrap: wrap;
    }
    .notes {
      color: var(--mat-sys-on-surface-variant);
      font: var(--mat-sys-body-medium);
    }
  `,
})
export class AwsSetup {
  readonly connection = input.required<Connection>();
  /** A copy to the clipboard finished (`ok` false when the browser refused). */
  readonly copied = output<{ what: string; ok: boolean }>();
}

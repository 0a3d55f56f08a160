import { Component, input, output } from '@angular/core';

/** "<What> could not be loaded. Try again": what a page or section shows when its data failed to load. */
@Component({
  selector: 'app-load-error',
  template: `
    <p class="error" role="alert" [attr.data-testid]="testId()">
      {{ what() }} could not be loaded.
      <button type="button" class="link" (click)="retry.emit()">Try again</button>
    </p>
  `,
  styles: `
    @use '../../styles/feedback';
  `,
})
export class LoadError {
  /** The subject, capitalised: "The members". */
  readonly what = input.required<string>();
  readonly testId = input<string | null>(null);
  readonly retry = output();
}

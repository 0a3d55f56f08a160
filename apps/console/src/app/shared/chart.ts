import {
  Component,
  DestroyRef,
  ElementRef,
  InjectionToken,
  afterNextRender,
  effect,
  inject,
  input,
  signal,
} from '@angular/core';
import type { EChartsOption } from 'echarts';

export type ChartOption = EChartsOption;

/** The part of an echarts instance the wrapper uses. */
export interface ChartInstance {
  setOption(option: ChartOption, opts: { notMerge: boolean }): void;
  resize(): void;
  dispose(): void;
}

/** Creates a chart in an element, or null where charts cannot be drawn (e.g. jsdom in tests). */
export type ChartFactory = (element: HTMLElement) => Promise<ChartInstance | null>;

const canDraw = (): boolean => typeof ResizeObserver !== 'undefined' && typeof window !== 'undefined';

/** echarts is loaded on first use, never in the initial bundle. */
export const CHART_FACTORY = new InjectionToken<ChartFactory>('CHART_FACTORY', {
  factory: () => async (element) => {
    if (!canDraw()) return null;
    const { init } = await import('./echarts');
    return init(element, undefined, { renderer: 'canvas' });
  },
});

/** A chart that fills its host: give the host a height. Resizes with it and is disposed with it. */
@Component({
  selector: 'app-chart',
  template: '',
  host: { role: 'img', '[attr.aria-label]': 'label()' },
  styles: `
    :host {
      display: block;
      width: 100%;
      height: 100%;
    }
  `,
})
export class Chart {
  readonly option = input.required<ChartOption>();
  readonly label = input('Chart');

  private readonly element = inject<ElementRef<HTMLElement>>(ElementRef).nativeElement;
  private readonly factory = inject(CHART_FACTORY);
  private readonly chart = signal<ChartInstance | null>(null);

  constructor() {
    let destroyed = false;
    let observer: ResizeObserver | null = null;
    afterNextRender(() => {
      void this.factory(this.element).then((chart) => {
        if (!chart) return;
        if (destroyed) {
          chart.dispose();
          return;
        }
        this.chart.set(chart);
        if (typeof ResizeObserver !== 'undefined') {
          observer = new ResizeObserver(() => chart.resize());
          observer.observe(this.element);
        }
      });
    });
    effect(() => this.chart()?.setOption(this.option(), { notMerge: true }));
    inject(DestroyRef).onDestroy(() => {
      destroyed = true;
      observer?.disconnect();
      this.chart()?.dispose();
    });
  }
}

import { type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { AppError } from './errors';

/** Validates a body or query with a schema from the shared contract; 400 VALIDATION_FAILED names each field. */
export class ZodPipe<T extends z.ZodType> implements PipeTransform<unknown, z.infer<T>> {
  constructor(
    private readonly schema: T,
    private readonly where: 'body' | 'query' | 'path' = 'body',
  ) {}

  transform(value: unknown): z.infer<T> {
    const parsed = this.schema.safeParse(value ?? (this.where === 'body' ? undefined : {}));
    if (parsed.success) return parsed.data;
    const details = parsed.error.issues.map((i) => ({
      field: i.path.length > 0 ? i.path.join('.') : this.where,
      message: i.message,
    }));
    const fields = [...new Set(details.map((d) => d.field))];
    throw new AppError(400, 'VALIDATION_FAILED', `Invalid ${this.where}: ${fields.join(', ')}`, details);
  }
}

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Injectable } from '@nestjs/common';

/** cfn/connect-aws-billing.yml, read once (from the repository root or the image's copy beside the API). */
@Injectable()
export class CloudFormationTemplate {
  private cached: string | null = null;

  text(): string {
    if (this.cached === null) {
      const candidates = [
        resolve(__dirname, '../../../../cfn/connect-aws-billing.yml'),
        join(process.cwd(), 'cfn/connect-aws-billing.yml'),
      ];
      const file = candidates.find((f) => existsSync(f));
      if (!file) throw new Error('cfn/connect-aws-billing.yml not found');
      this.cached = readFileSync(file, 'utf8');
    }
    return this.cached;
  }
}

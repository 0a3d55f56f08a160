/**
 * Bench: generate ~1 M CUR line items over 3 months, then time a daily aggregate through the real
 * Athena SDK client against aws-local. Run: npx tsx bench/aws-local-sample.ts [legacy|cur2|focus]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { generateCurSample, startAwsLocal, type CurFormat } from '@cost-optimizer/aws-local';

async function main() {
  const format = (process.argv[2] ?? 'legacy') as CurFormat;
  const dir = mkdtempSync(join(tmpdir(), 'aws-local-bench-'));
  try {
    const t0 = performance.now();
    const sample = await generateCurSample({
      out: dir,
      format,
      days: 90,
      rowsPerDay: 12_000,
      accounts: 6,
      seed: 1,
    });
    const genMs = performance.now() - t0;
    console.log(
      `generate ${format}: ${sample.rows.toLocaleString()} line items, ${sample.files.length} files, ${(genMs / 1000).toFixed(1)} s`,
    );
    const aws = await startAwsLocal({ root: dir, port: 0 });
    try {
      const base = { endpoint: aws.url, region: 'us-east-1' };
      const sts = new STSClient({
        ...base,
        credentials: { accessKeyId: 'AKIABENCHPLATFORM001', secretAccessKey: 'x' },
      });
      const { Credentials: c } = await sts.send(
        new AssumeRoleCommand({
          RoleArn: 'arn:aws:iam::123456789012:role/CostOptimizerAccess',
          RoleSessionName: 'bench',
          ExternalId: sample.externalId!,
        }),
      );
      const athena = new AthenaClient({
        ...base,
        credentials: {
          accessKeyId: c!.AccessKeyId!,
          secretAccessKey: c!.SecretAccessKey!,
          sessionToken: c!.SessionToken!,
        },
      });
      const [ts, cost, part] =
        format === 'focus'
          ? ['chargeperiodstart', 'billedcost', 'billing_period']
          : [
              'line_item_usage_start_date',
              'line_item_unblended_cost',
              format === 'cur2' ? 'billing_period' : 'year',
            ];
      const sql =
        `SELECT date_trunc('day', ${ts}) AS day, line_item_product_code_or_service, SUM(${cost}) AS cost
        FROM cost_optimizer_cur_db.cost_optimizer_cur_table WHERE ${part} IS NOT NULL AND ${ts} >= TIMESTAMP '${sample.expected.start_date} 00:00:00'
        GROUP BY 1, 2 ORDER BY 1, 2`.replace(
          'line_item_product_code_or_service',
          format === 'focus' ? 'servicename' : 'line_item_product_code',
        );
      for (let run = 1; run <= 2; run++) {
        const t1 = performance.now();
        const { QueryExecutionId } = await athena.send(
          new StartQueryExecutionCommand({ QueryString: sql, WorkGroup: 'primary' }),
        );
        let state = 'QUEUED';
        let scanned = 0;
        while (state === 'QUEUED' || state === 'RUNNING') {
          await new Promise((r) => setTimeout(r, 20));
          const q = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId }));
          state = q.QueryExecution!.Status!.State!;
          scanned = q.QueryExecution!.Statistics?.DataScannedInBytes ?? 0;
          if (state === 'FAILED') throw new Error(q.QueryExecution!.Status!.StateChangeReason);
        }
        let rows = 0;
        let token: string | undefined;
        do {
          const r = await athena.send(
            new GetQueryResultsCommand({ QueryExecutionId, ...(token ? { NextToken: token } : {}) }),
          );
          rows += r.ResultSet!.Rows!.length;
          token = r.NextToken;
        } while (token);
        console.log(
          `daily aggregate (run ${run}): ${rows - 1} result rows, ${(scanned / 1e6).toFixed(1)} MB scanned, ${((performance.now() - t1) / 1000).toFixed(2)} s end to end (SDK, poll, paging)`,
        );
      }
    } finally {
      await aws.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});

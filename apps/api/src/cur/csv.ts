import { StringDecoder } from 'node:string_decoder';

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

/**
 * A streaming CSV parser for the files Athena writes (RFC 4180: every value quoted, quotes doubled, CRLF or LF).
 * Yields the records completed by each chunk as one batch (a 100k-row result is ~10 batches, not 100k awaits);
 * works across chunk boundaries, including a UTF-8 character split between chunks; constant memory per record.
 */
export async function* parseCsvBatches(
  chunks: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
): AsyncGenerator<string[][]> {
  const decoder = new StringDecoder('utf8');
  let field = '';
  let record: string[] = [];
  let inQuotes = false;
  let quotePending = false; // saw a quote inside a quoted field: either "" or the closing quote
  let any = false;
  for await (const chunk of chunks) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    const out: string[][] = [];
    const n = text.length;
    let i = 0;
    while (i < n) {
      if (inQuotes) {
        if (quotePending) {
          quotePending = false;
          if (text.charCodeAt(i) === QUOTE) {
            field += '"';
            i++;
            continue;
          }
          inQuotes = false; // the quote closed the field; handle this character outside quotes
        } else {
          const q = text.indexOf('"', i);
          if (q === -1) {
            field += text.slice(i);
            break;
          }
          field += text.slice(i, q);
          quotePending = true;
          i = q + 1;
          continue;
        }
      }
      const c = text.charCodeAt(i);
      if (c === QUOTE && field === '') {
        inQuotes = true;
        any = true;
        i++;
      } else if (c === COMMA) {
        record.push(field);
        field = '';
        any = true;
        i++;
      } else if (c === LF) {
        record.push(field);
        out.push(record);
        record = [];
        field = '';
        any = false;
        i++;
      } else if (c === CR) {
        i++;
      } else {
        // A run of plain characters (a quote inside an unquoted value is kept as is).
        let j = i + 1;
        while (j < n) {
          const d = text.charCodeAt(j);
          if (d === COMMA || d === LF || d === CR || d === QUOTE) break;
          j++;
        }
        field += text.slice(i, j);
        any = true;
        i = j;
      }
    }
    if (out.length > 0) yield out;
  }
  field += decoder.end();
  if (any || record.length > 0 || field !== '') {
    record.push(field);
    yield [record];
  }
}

/** One record at a time (see parseCsvBatches). */
export async function* parseCsv(
  chunks: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
): AsyncGenerator<string[]> {
  for await (const batch of parseCsvBatches(chunks)) yield* batch;
}

/**
 * A streaming CSV parser for the files Athena writes (RFC 4180: every value quoted, quotes doubled, CRLF or LF).
 * Yields one string array per record; works across chunk boundaries, constant memory per record.
 */
export async function* parseCsv(
  chunks: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
): AsyncGenerator<string[]> {
  let field = '';
  let record: string[] = [];
  let inQuotes = false;
  let quotePending = false; // saw a quote inside a quoted field: either "" or the closing quote
  let any = false;
  for await (const chunk of chunks) {
    const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (inQuotes) {
        if (quotePending) {
          quotePending = false;
          if (c === '"') {
            field += '"';
            continue;
          }
          inQuotes = false; // the quote closed the field; fall through to handle c outside quotes
        } else if (c === '"') {
          quotePending = true;
          continue;
        } else {
          field += c;
          continue;
        }
      }
      if (c === '"' && field === '') {
        inQuotes = true;
        any = true;
      } else if (c === ',') {
        record.push(field);
        field = '';
        any = true;
      } else if (c === '\n') {
        record.push(field);
        yield record;
        record = [];
        field = '';
        any = false;
      } else if (c !== '\r') {
        field += c;
        any = true;
      }
    }
  }
  if (any || record.length > 0) {
    record.push(field);
    yield record;
  }
}

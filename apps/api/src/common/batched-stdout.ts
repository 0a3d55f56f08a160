/** Where the lines go: process.stdout by default. */
export interface LineSink {
  write(text: string): unknown;
}

/**
 * A log stream for Fastify's request logger that writes the lines of one event-loop turn with one write. Writes to
 * a pipe or a file are synchronous on Linux (a system call per line): at info level every request logs two lines,
 * so under load these calls were a cost of their own on the request path. Lines keep their order; what is pending
 * is written at once when the process exits (a SIGKILL loses at most one turn's lines).
 */
export function batchedStdout(sink: LineSink = process.stdout): { write(line: string): void; flush(): void } {
  let pending: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    sink.write(text);
  };
  process.once('exit', flush);
  return {
    write(line: string) {
      pending.push(line);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}

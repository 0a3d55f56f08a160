import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface Mail {
  to: string[];
  raw: string;
  text: string;
}

/**
 * A real SMTP server on 127.0.0.1 that keeps every message it receives. Recipients starting with `rejectPrefix`
 * (when given) get a 550, as a mailbox that does not exist.
 */
export async function smtpSink(opts: { rejectPrefix?: string } = {}) {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, cb) {
      if (opts.rejectPrefix && address.address.startsWith(opts.rejectPrefix)) {
        const err = Object.assign(new Error('Mailbox unavailable: no such user here'), { responseCode: 550 });
        return cb(err);
      }
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw, text: decodeQp(raw) });
        cb();
      });
    },
  });
  // A client that drops its connection (an API process stopped mid-session) is an 'error' event on the server:
  // without a listener it would be thrown in the test process ("read ECONNRESET") and fail the whole file.
  server.on('error', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    mails,
    port,
    url: `smtp://127.0.0.1:${port}`,
    to: (address: string) => mails.filter((m) => m.to.includes(address)),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
export type SmtpSink = Awaited<ReturnType<typeof smtpSink>>;

/** Unfolds headers and decodes quoted-printable, enough to read the message as text. */
const decodeQp = (s: string) =>
  s
    .replace(/\r?\n(?=[ \t])/g, '')
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));

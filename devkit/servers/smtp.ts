// A real SMTP server on loopback (the smtp-server package, with authentication) that keeps what it receives, parsed,
// so tests can read the emails the worker sends. It can be stopped and started again on the same port.
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { waitFor } from '../processes.ts';

export interface SmtpOptions {
  user: string;
  password: string;
  /** Recipients answered `550 mailbox unavailable` (a permanent refusal). */
  refuse?: RegExp;
}

export interface TestSmtpServer {
  /** smtp://user:password@127.0.0.1:port */
  url: string;
  port: number;
  messages: ParsedMail[];
  /** Logins seen, as user names. */
  logins: string[];
  stop(): Promise<void>;
  /** Listens again on the same port (after stop). */
  start(): Promise<void>;
  /** The first email to `address` (with `subject`, when given). */
  waitForMessageTo(address: string, options?: { subject?: string; timeoutMs?: number }): Promise<ParsedMail>;
}

export async function startSmtpServer(options: SmtpOptions): Promise<TestSmtpServer> {
  const messages: ParsedMail[] = [];
  const logins: string[] = [];
  const create = () =>
    new SMTPServer({
      authOptional: false,
      allowInsecureAuth: true, // loopback only; the test checks the credentials arrive, not TLS
      disabledCommands: ['STARTTLS'],
      logger: false,
      onAuth(auth, _session, callback) {
        if (auth.username === options.user && auth.password === options.password) {
          logins.push(auth.username ?? '');
          callback(null, { user: auth.username });
        } else {
          callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
        }
      },
      onRcptTo(address, _session, callback) {
        if (options.refuse?.test(address.address)) callback(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }));
        else callback();
      },
      onData(stream, _session, callback) {
        simpleParser(stream)
          .then((mail) => {
            messages.push(mail);
            callback();
          })
          .catch(callback);
      },
    });
  let server = create();
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve((server.server.address() as { port: number }).port));
    });
  const port = await listen(0);
  return {
    url: `smtp://${encodeURIComponent(options.user)}:${encodeURIComponent(options.password)}@127.0.0.1:${port}`,
    port,
    messages,
    logins,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
    async start() {
      server = create();
      await listen(port);
    },
    async waitForMessageTo(address, { subject, timeoutMs = 30_000 } = {}) {
      const find = () =>
        messages.find((m) => (subject === undefined || m.subject === subject) && [m.to].flat().some((to) => to?.value.some((v) => v.address === address)));
      return waitFor(`an email to ${address}`, find, { timeoutMs });
    },
  };
}

// Serves one PGlite database to many Postgres-protocol connections. PGlite is a single session, so connections take
// turns: each turn is a whole request up to its Sync (or a simple Query), never single messages, so one client's
// Bind/Execute cannot be split by another's, and a connection inside a transaction keeps the session until it ends.
// (@electric-sql/pglite-socket 0.2 takes turns per message, which loses unnamed portals when a transaction starts
// in between: `portal "" does not exist`.)
import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

const SSL_REQUEST = 80877103;
/** Larger messages are refused (a malformed or hostile length would otherwise buffer without bound). */
const MAX_MESSAGE = 64 * 1024 * 1024;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
/**
 * Message types that end a request: Sync, simple Query, Flush, CopyDone, CopyFail, Terminate, password. (COPY FROM
 * STDIN would need the session pinned between CopyData messages too; nothing here uses it.)
 */
const REQUEST_ENDS = new Set(['S', 'Q', 'H', 'c', 'f', 'X', 'p']);

/**
 * PGlite's one session holds every connection's prepared statements and portals, where a real server keeps one set per
 * connection: clients that name statements after their query (postgres.js 4) would meet each other's. So each
 * connection's non-empty names get a prefix of its own in the messages that name them: Parse and Bind (statement),
 * Bind and Execute (portal), Describe and Close (either, by their kind byte). The unnamed ones stay shared, as they are
 * only used within one turn.
 */
function namespaceNames(message: Buffer, prefix: string): Buffer {
  const type = String.fromCharCode(message[0]!);
  if (!'PBEDC'.includes(type)) return message;
  const body = message.subarray(5);
  const cstring = (at: number) => {
    const end = body.indexOf(0, at);
    return end < 0 ? undefined : { text: body.subarray(at, end), next: end + 1 };
  };
  const renamed = (name: Buffer) => (name.length === 0 ? name : Buffer.concat([Buffer.from(prefix), name]));
  const parts: Buffer[] = [];
  let rest: number;
  if (type === 'P' || type === 'E') {
    // Parse: statement name first; Execute: portal name first.
    const name = cstring(0);
    if (!name) return message;
    parts.push(renamed(name.text), Buffer.of(0));
    rest = name.next;
  } else if (type === 'B') {
    // Bind: the portal's name, then the statement's.
    const portal = cstring(0);
    const statement = portal && cstring(portal.next);
    if (!portal || !statement) return message;
    parts.push(renamed(portal.text), Buffer.of(0), renamed(statement.text), Buffer.of(0));
    rest = statement.next;
  } else {
    // Describe and Close: 'S' or 'P', then the name.
    const name = cstring(1);
    if (!name) return message;
    parts.push(body.subarray(0, 1), renamed(name.text), Buffer.of(0));
    rest = name.next;
  }
  parts.push(body.subarray(rest));
  const newBody = Buffer.concat(parts);
  const header = Buffer.alloc(5);
  header[0] = message[0]!;
  header.writeInt32BE(4 + newBody.length, 1);
  return Buffer.concat([header, newBody]);
}

let connections = 0;

interface Turn {
  connection: Connection;
  batch: Uint8Array;
  /** The request ended with Flush: the client waits for answers mid-sequence and keeps the session until Sync. */
  flushed: boolean;
  done: () => void;
}

class Connection {
  private buffer = Buffer.alloc(0);
  private pending: Buffer[] = [];
  private started = false;
  /** Requests are handled in order: the next one is read only after the previous turn ended. */
  private chain: Promise<void> = Promise.resolve();
  /** The prefix of this connection's statement and portal names in the shared session (namespaceNames). */
  private readonly names = `c${(connections += 1)}_`;
  closed = false;

  readonly socket: Socket;
  private readonly server: PGliteServer;

  constructor(socket: Socket, server: PGliteServer) {
    this.socket = socket;
    this.server = server;
    socket.setNoDelay(true);
    socket.on('data', (data) => this.onData(data));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  private onData(data: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, data]);
    for (;;) {
      if (!this.started) {
        if (this.buffer.length < 8) return;
        const length = this.buffer.readInt32BE(0);
        const code = this.buffer.readInt32BE(4);
        if (length < 8 || length > 10_000) {
          this.close();
          return;
        }
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          this.buffer = this.buffer.subarray(8);
          this.socket.write('N');
          continue;
        }
        if (code === CANCEL_REQUEST) {
          this.buffer = this.buffer.subarray(length);
          this.close();
          return;
        }
        if (this.buffer.length < length) return;
        this.started = true;
        this.submit([this.buffer.subarray(0, length)], false);
        this.buffer = this.buffer.subarray(length);
        continue;
      }
      if (this.buffer.length < 5) return;
      const declared = this.buffer.readInt32BE(1);
      if (declared < 4 || declared > MAX_MESSAGE) {
        this.close();
        return;
      }
      const total = 1 + declared;
      if (this.buffer.length < total) return;
      const type = String.fromCharCode(this.buffer[0]!);
      this.pending.push(namespaceNames(this.buffer.subarray(0, total), this.names));
      this.buffer = this.buffer.subarray(total);
      if (type === 'X') {
        this.pending = [];
        this.socket.end();
        return;
      }
      if (REQUEST_ENDS.has(type)) {
        this.submit(this.pending, type === 'H');
        this.pending = [];
      }
    }
  }

  private submit(messages: Buffer[], flushed: boolean): void {
    const batch = new Uint8Array(Buffer.concat(messages));
    this.chain = this.chain.then(() => new Promise<void>((done) => this.server.enqueue({ connection: this, batch, flushed, done })));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.server.disconnected(this);
  }
}

export class PGliteServer {
  private readonly queue: Turn[] = [];
  private running = false;
  /** The connection whose transaction is open: only it may use the session until the transaction ends. */
  private owner: Connection | undefined;
  private abandoned = false;
  private readonly connections = new Set<Connection>();
  private server: Server | undefined;

  private readonly db: PGlite;
  private readonly maxConnections: number;

  constructor(db: PGlite, maxConnections: number) {
    this.db = db;
    this.maxConnections = maxConnections;
  }

  async listen(port: number, host: string): Promise<number> {
    this.server = createServer((socket) => {
      if (this.connections.size >= this.maxConnections) {
        socket.end();
        return;
      }
      this.connections.add(new Connection(socket, this));
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : port;
  }

  enqueue(turn: Turn): void {
    this.queue.push(turn);
    void this.run();
  }

  disconnected(connection: Connection): void {
    this.connections.delete(connection);
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if (this.queue[i]!.connection === connection) this.queue.splice(i, 1)[0]!.done();
    }
    if (this.owner === connection) {
      // A client that vanished inside a transaction must not leave the session stuck in it: the turn loop rolls
      // it back before anyone else's turn.
      this.owner = undefined;
      this.abandoned = true;
      void this.run();
    }
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (;;) {
        if (this.abandoned) {
          this.abandoned = false;
          // exec takes PGlite's own lock (execProtocolRawStream does not, hence runExclusive around that one).
          if (this.db.isInTransaction()) await this.db.exec('rollback');
        }
        const index = this.owner ? this.queue.findIndex((t) => t.connection === this.owner) : 0;
        if (index < 0 || this.queue.length === 0) return;
        const [turn] = this.queue.splice(index, 1) as [Turn];
        try {
          if (!turn.connection.closed) {
            await this.db.runExclusive(() =>
              this.db.execProtocolRawStream(turn.batch, {
                onRawData: (data) => {
                  if (!turn.connection.closed) turn.connection.socket.write(Buffer.from(data));
                },
              }),
            );
          }
        } catch {
          turn.connection.close();
        } finally {
          turn.done();
        }
        if (turn.connection.closed) {
          this.owner = undefined;
          // It vanished inside a transaction: roll it back before anyone else uses the session.
          if (this.db.isInTransaction()) await this.db.exec('rollback');
        } else {
          this.owner = this.db.isInTransaction() || turn.flushed ? turn.connection : undefined;
        }
      }
    } finally {
      this.running = false;
    }
  }

  async close(): Promise<void> {
    for (const connection of this.connections) connection.close();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

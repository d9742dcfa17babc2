// The embedded database's wire-protocol server: many connections, transactions and plain queries interleaved, and a
// client that vanishes inside a transaction, against the real postgres.js client.
import { connect } from 'node:net';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../db/embedded.ts';

let embedded: EmbeddedDatabase;

beforeAll(async () => {
  embedded = await startEmbeddedDatabase({ dataDir: undefined, port: 0 });
});

afterAll(async () => {
  await embedded?.stop();
});

it('answers every query of many concurrent clients correctly while others run transactions', async () => {
  const clients = [1, 2, 3, 4].map(() => postgres(embedded.url, { max: 3, onnotice: () => {} }));
  try {
    const failures: string[] = [];
    await Promise.all(
      clients.flatMap((sql, i) =>
        [0, 1, 2].map(async (j) => {
          for (let k = 0; k < 60; k++) {
            const expected = i * 1000 + j * 100 + k;
            try {
              if ((i + j + k) % 3 === 0) {
                await sql.begin(async (tx) => {
                  await tx`select set_config('app.probe', ${String(expected)}, true)`;
                  const [row] = await tx<[{ v: string }]>`select current_setting('app.probe') as v`;
                  if (Number(row.v) !== expected) failures.push(`tx ${expected} saw ${row.v}`);
                });
              } else {
                const [row] = await sql<[{ v: number }]>`select ${expected}::int as v`;
                if (row.v !== expected) failures.push(`query ${expected} saw ${row.v}`);
              }
            } catch (err) {
              failures.push(`${expected}: ${(err as Error).message}`);
            }
          }
        }),
      ),
    );
    // Before the fix this failed with `portal "" does not exist` and with answers meant for other clients.
    expect(failures).toEqual([]);
  } finally {
    for (const c of clients) await c.end({ timeout: 1 });
  }
});

it('rolls back the transaction of a client that disconnects inside it, so others are not blocked', async () => {
  const quitter = postgres(embedded.url, { max: 1, onnotice: () => {} });
  const other = postgres(embedded.url, { max: 1, onnotice: () => {} });
  try {
    await other`create table if not exists probe (v int)`;
    let inserted!: () => void;
    const insertedOnce = new Promise<void>((resolve) => (inserted = resolve));
    const abandoned = quitter.begin(async (tx) => {
      await tx`insert into probe values (1)`;
      inserted();
      await new Promise(() => {}); // never commits
    });
    abandoned.catch(() => {});
    await insertedOnce;
    await quitter.end({ timeout: 0 });
    const rows = await other<{ v: number }[]>`select v from probe`;
    expect(rows).toEqual([]);
  } finally {
    await other.end({ timeout: 1 });
  }
});

it('drops a connection that sends a malformed length, and goes on serving the others', async () => {
  const url = new URL(embedded.url);
  for (const packet of [Buffer.from([0x00, 0x00, 0x00, 0x02, 0, 0, 0, 0]), Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 3, 0, 0])]) {
    const closed = await new Promise<boolean>((resolve) => {
      const socket = connect(Number(url.port), url.hostname, () => socket.write(packet));
      socket.on('close', () => resolve(true));
      socket.on('error', () => resolve(true));
      setTimeout(() => resolve(false), 5_000).unref();
    });
    expect(closed).toBe(true);
  }
  const sql = postgres(embedded.url, { max: 1, onnotice: () => {} });
  try {
    expect((await sql<[{ one: number }]>`select 1 as one`)[0].one).toBe(1);
  } finally {
    await sql.end({ timeout: 1 });
  }
});

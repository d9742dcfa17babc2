import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMigrations } from './migrate.ts';

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mig-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('readMigrations', () => {
  it('orders files by number and checksums their text', async () => {
    const list = await readMigrations(dirWith({ '0002_b.sql': 'select 2;', '0001_a.sql': 'select 1;' }));
    expect(list.map((m) => [m.version, m.name])).toEqual([[1, 'a'], [2, 'b']]);
    expect(list[0]!.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a gap in the numbering', async () => {
    await expect(readMigrations(dirWith({ '0001_a.sql': '', '0003_c.sql': '' }))).rejects.toThrow('0003_c.sql: expected version 0002');
  });

  it('refuses a badly named file', async () => {
    await expect(readMigrations(dirWith({ '1_a.sql': '' }))).rejects.toThrow('1_a.sql: migration files are named NNNN_snake_name.sql');
  });

  it('ships migrations that are numbered without gaps', async () => {
    expect((await readMigrations()).length).toBeGreaterThan(0);
  });
});

// SQL: a statement's risk (DROP, TRUNCATE and DELETE or UPDATE without a WHERE clause, or with `WHERE true`/`WHERE 1=1`,
// are destructive; other writes are mutating; SELECT, SHOW and EXPLAIN without ANALYZE only read, as EXPLAIN ANALYZE
// runs the statement), and the SQL clients that run it: `psql -c`, `mysql -e`, a here-document, `echo ... | psql`.
import { stripPrefixes, type SimpleCommand } from './lexer.ts';
import { flag, positional, Verdict, type CommandRisk, type Rule } from './rule.ts';

export const SQL_CLIENT_RULES: Record<string, Rule> = {
  psql: (args, { command }) => classifySqlClient('psql', args, command, ['-c', '--command']),
  mysql: (args, { command }) => classifySqlClient('mysql', args, command, ['-e', '--execute']),
  mariadb: (args, { command }) => classifySqlClient('mariadb', args, command, ['-e', '--execute']),
  'clickhouse-client': (args, { command }) => classifySqlClient('clickhouse-client', args, command, ['-q', '--query']),
  cqlsh: (args, { command }) => classifySqlClient('cqlsh', args, command, ['-e', '--execute']),
  sqlcmd: (args, { command }) => classifySqlClient('sqlcmd', args, command, ['-Q', '-q']),
  sqlite3: (args, { command }) => {
    const [, statement] = positional(args);
    if (statement !== undefined) return classifySql(statement);
    return classifySqlClient('sqlite3', args, command, []);
  },
};

/** Programs that take SQL (or run one that does): with the `sql` target type, their command line is read as a command. */
export const SQL_CLIENTS = new Set(['psql', 'mysql', 'mariadb', 'sqlite3', 'clickhouse-client', 'cqlsh', 'sqlcmd', 'sudo', 'kubectl', 'docker']);
/** Words a bare SQL statement starts with. */
export const SQL_LEADS = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'DROP', 'TRUNCATE', 'ALTER', 'CREATE', 'WITH', 'EXPLAIN', 'SHOW', 'GRANT', 'REVOKE', 'VACUUM', 'ANALYZE', 'REINDEX', 'BEGIN', 'MERGE', 'REPLACE', 'UPSERT', 'DESCRIBE', 'VALUES', 'COPY', 'CALL']);

function classifySqlClient(program: string, args: string[], command: SimpleCommand, options: string[]): CommandRisk {
  const verdict = new Verdict();
  let found = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    for (const option of options) {
      if (a === option && args[i + 1] !== undefined) {
        verdict.merge(classifySql(args[i + 1]!));
        found = true;
      } else if (option.startsWith('--') && a.startsWith(`${option}=`)) {
        verdict.merge(classifySql(a.slice(option.length + 1)));
        found = true;
      } else if (!option.startsWith('--') && a.startsWith(option) && a.length > option.length && !a.startsWith('--')) {
        verdict.merge(classifySql(a.slice(option.length)));
        found = true;
      }
    }
  }
  if (command.stdin !== null) {
    verdict.merge(classifySql(command.stdin));
    found = true;
  }
  const source = command.pipedFrom;
  if (!found && source !== null) {
    const [head, ...rest] = stripPrefixes(source.words);
    if (head === 'echo' || head === 'printf') {
      verdict.merge(classifySql(rest.filter((w) => !/^-[neE]+$/.test(w)).join(' ')));
      found = true;
    } else if (source.stdin !== null) {
      verdict.merge(classifySql(source.stdin));
      found = true;
    }
  }
  if (!found) {
    if (flag(args, '-l', '--list', '--version', '-V')) verdict.add('read-only', `\`${program} --list\` only reads`);
    else verdict.add('mutating', `\`${program}\` runs statements that cannot be seen here (a file or an interactive session): assumed mutating`);
  }
  return verdict.result();
}

/** SQL text without comments, with string literals and quoted identifiers blanked so their words do not count. */
function stripSql(text: string): string {
  return text
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\$([A-Za-z_]*)\$[\s\S]*?\$\1\$/g, "''")
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/"(?:[^"]|"")*"/g, 'ident')
    .replace(/`[^`]*`/g, 'ident');
}

const TRIVIAL_WHERE = /\bWHERE\s+(?:TRUE|1\s*=\s*1|'(\w*)'\s*=\s*'\1'|NOT\s+FALSE)\s*(?:$|;|RETURNING\b|LIMIT\b|ORDER\b)/i;

export function classifySql(text: string): CommandRisk {
  const verdict = new Verdict();
  const statements = stripSql(text)
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const statement of statements) {
    if (statement.startsWith('\\')) {
      // psql meta-commands: \d, \dt, \l, \x are read-only; \i and \o run or write files.
      verdict.add(/^\\(?:i|ir|o|copy|!|set)\b/.test(statement) ? 'mutating' : 'read-only', `psql meta-command \`${statement.split(/\s/)[0]}\``);
      continue;
    }
    const words: string[] = statement.toUpperCase().match(/[A-Z_][A-Z0-9_]*/g) ?? [];
    const has = (w: string) => words.includes(w);
    let lead = words[0] ?? '';
    if (lead === 'EXPLAIN') {
      if (!has('ANALYZE') && !has('ANALYSE')) {
        verdict.add('read-only', 'EXPLAIN only plans the statement');
        continue;
      }
      lead = words.find((w) => ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'WITH'].includes(w)) ?? 'SELECT';
    }
    if (has('DROP')) verdict.add('destructive', 'SQL DROP deletes a database object and its data');
    if (lead === 'TRUNCATE' || (has('TRUNCATE') && lead !== 'SELECT')) verdict.add('destructive', 'SQL TRUNCATE deletes every row');
    if (has('DELETE') && lead !== 'SELECT' && lead !== 'GRANT' && lead !== 'REVOKE' && lead !== 'CREATE') {
      if (!has('WHERE') || TRIVIAL_WHERE.test(statement)) verdict.add('destructive', 'SQL DELETE without a WHERE clause deletes every row');
      else verdict.add('mutating', 'SQL DELETE removes rows');
    }
    if (lead === 'UPDATE' || (lead === 'WITH' && has('UPDATE'))) {
      if (!has('WHERE') || TRIVIAL_WHERE.test(statement)) verdict.add('destructive', 'SQL UPDATE without a WHERE clause overwrites every row');
      else verdict.add('mutating', 'SQL UPDATE changes rows');
    }
    if (['SHUTDOWN'].includes(lead)) verdict.add('destructive', 'SQL SHUTDOWN stops the server');
    if (words.includes('PG_TERMINATE_BACKEND') || words.includes('PG_CANCEL_BACKEND') || lead === 'KILL')
      verdict.add('mutating', 'terminating a database session interrupts its work');
    if (['SELECT', 'SHOW', 'DESCRIBE', 'DESC', 'VALUES', 'TABLE', 'BEGIN', 'START', 'COMMIT', 'ROLLBACK', 'END', 'SET', 'RESET', 'USE', 'PRAGMA', 'LISTEN', 'WITH', 'EXPLAIN'].includes(lead)) {
      if (lead === 'SELECT' && has('INTO') && !/\bINTO\s+(?:STRICT\s+)?@/i.test(statement) && has('FROM'))
        verdict.add('mutating', 'SELECT ... INTO creates a table');
      else if ((lead === 'SELECT' || lead === 'WITH') && /\bFOR\s+(?:NO\s+KEY\s+)?(?:UPDATE|SHARE)\b/i.test(statement))
        verdict.add('mutating', 'SELECT ... FOR UPDATE locks rows');
      else if (lead === 'WITH' && words.some((w) => ['INSERT', 'MERGE'].includes(w))) verdict.add('mutating', 'SQL writes rows');
      else if (lead === 'SET' && /\bSET\s+(?:GLOBAL|PERSIST)\b/i.test(statement)) verdict.add('mutating', 'SQL SET GLOBAL changes the server');
      else verdict.add('read-only', `SQL ${lead} only reads`);
      continue;
    }
    if (['DELETE', 'UPDATE', 'DROP', 'TRUNCATE', 'SHUTDOWN', 'KILL'].includes(lead)) continue;
    if (['INSERT', 'REPLACE', 'UPSERT', 'MERGE', 'COPY', 'LOAD'].includes(lead)) verdict.add('mutating', `SQL ${lead} writes rows`);
    else if (['ALTER', 'CREATE', 'RENAME', 'COMMENT'].includes(lead)) verdict.add('mutating', `SQL ${lead} changes the schema`);
    else if (['GRANT', 'REVOKE'].includes(lead)) verdict.add('mutating', `SQL ${lead} changes permissions`);
    else if (['VACUUM', 'ANALYZE', 'ANALYSE', 'REINDEX', 'CLUSTER', 'CHECKPOINT', 'REFRESH', 'OPTIMIZE', 'LOCK', 'CALL', 'DO', 'EXECUTE'].includes(lead))
      verdict.add('mutating', `SQL ${lead} changes the database or its state`);
    else verdict.add('mutating', `unknown SQL statement ${lead || statement.slice(0, 20)}: assumed mutating`);
  }
  if (statements.length === 0) verdict.add('read-only', 'no SQL statement');
  return verdict.result();
}

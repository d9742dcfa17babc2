// Reading a command line as the shell would: words, operators, redirections, here-documents and command substitutions,
// split into simple commands, and the program each one runs once wrappers (`sudo`, `env`, `timeout`, ...) and
// variable assignments in front of it are taken off.

type Token =
  | { kind: 'word'; value: string }
  | { kind: 'op'; value: string }
  | { kind: 'redirect'; op: string; target: string }
  | { kind: 'heredoc'; body: string };

interface Lexed {
  tokens: Token[];
  /** Inner texts of `$(...)`, backticks and `<(...)`: commands in their own right. */
  substitutions: string[];
}

const SEPARATORS = new Set(['|', '||', '&&', ';', '&', '\n', '(', ')', ';;']);

export function lexShell(text: string): Lexed {
  const tokens: Token[] = [];
  const substitutions: string[] = [];
  const pendingHeredocs: { delimiter: string; stripTabs: boolean; index: number }[] = [];
  let i = 0;
  let word: string | null = null;
  const flush = () => {
    if (word !== null) tokens.push({ kind: 'word', value: word });
    word = null;
  };
  const readSubstitution = (start: number): number => {
    // `start` points just after `$(` or `<(`; returns the index of the matching `)`.
    let depth = 1;
    let j = start;
    let quote: string | null = null;
    while (j < text.length) {
      const c = text[j]!;
      if (quote !== null) {
        if (c === '\\' && quote === '"') j++;
        else if (c === quote) quote = null;
      } else if (c === "'" || c === '"') quote = c;
      else if (c === '(') depth++;
      else if (c === ')' && --depth === 0) return j;
      j++;
    }
    return text.length;
  };
  const readWordAt = (start: number): { value: string; end: number } => {
    let j = start;
    while (j < text.length && (text[j] === ' ' || text[j] === '\t')) j++;
    let value = '';
    let quote: string | null = null;
    while (j < text.length) {
      const c = text[j]!;
      if (quote !== null) {
        if (c === quote) quote = null;
        else value += c;
      } else if (c === "'" || c === '"') quote = c;
      else if (/[\s;|&<>()]/.test(c)) break;
      else value += c;
      j++;
    }
    return { value, end: j };
  };

  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      if (text[i + 1] === '\n') i += 2; // line continuation
      else {
        word = (word ?? '') + text[i + 1];
        i += 2;
      }
      continue;
    }
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      const stop = end === -1 ? text.length : end;
      word = (word ?? '') + text.slice(i + 1, stop);
      i = stop + 1;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let value = '';
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\' && j + 1 < text.length) {
          value += text[j + 1];
          j += 2;
          continue;
        }
        if (text[j] === '$' && text[j + 1] === '(') {
          const end = readSubstitution(j + 2);
          substitutions.push(text.slice(j + 2, end));
          value += '$(...)';
          j = end + 1;
          continue;
        }
        if (text[j] === '`') {
          const end = text.indexOf('`', j + 1);
          const stop = end === -1 ? text.length : end;
          substitutions.push(text.slice(j + 1, stop));
          value += '$(...)';
          j = stop + 1;
          continue;
        }
        value += text[j];
        j++;
      }
      word = (word ?? '') + value;
      i = j + 1;
      continue;
    }
    if ((c === '$' || c === '<') && text[i + 1] === '(') {
      const end = readSubstitution(i + 2);
      substitutions.push(text.slice(i + 2, end));
      word = (word ?? '') + '$(...)';
      i = end + 1;
      continue;
    }
    if (c === '`') {
      const end = text.indexOf('`', i + 1);
      const stop = end === -1 ? text.length : end;
      substitutions.push(text.slice(i + 1, stop));
      word = (word ?? '') + '$(...)';
      i = stop + 1;
      continue;
    }
    if (c === '#' && word === null) {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === '\n') {
      flush();
      tokens.push({ kind: 'op', value: '\n' });
      i++;
      // Here-document bodies start on the line after their operator.
      for (const doc of pendingHeredocs.splice(0)) {
        const lines: string[] = [];
        while (i < text.length) {
          const nl = text.indexOf('\n', i);
          const line = text.slice(i, nl === -1 ? text.length : nl);
          i = nl === -1 ? text.length : nl + 1;
          if ((doc.stripTabs ? line.replace(/^\t+/, '') : line).trim() === doc.delimiter) break;
          lines.push(line);
        }
        tokens[doc.index] = { kind: 'heredoc', body: lines.join('\n') };
      }
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      flush();
      i++;
      continue;
    }
    if (c === '<' || c === '>' || (c === '&' && text[i + 1] === '>')) {
      // A word of digits right before a redirection is its file descriptor (`2>&1`), not an argument.
      if (word !== null && /^\d+$/.test(word)) word = null;
      flush();
      let op = c;
      let j = i + 1;
      while (j < text.length && '<>|&-'.includes(text[j]!) && op.length < 3) {
        if (text[j] === '&' && op !== '>' && op !== '<') break;
        op += text[j];
        j++;
        if (op === '>&' || op === '<&') break;
      }
      if (op === '<<' || op === '<<-') {
        const { value, end } = readWordAt(j);
        pendingHeredocs.push({ delimiter: value, stripTabs: op === '<<-', index: tokens.length });
        tokens.push({ kind: 'heredoc', body: '' });
        i = end;
        continue;
      }
      const { value, end } = readWordAt(j);
      tokens.push({ kind: 'redirect', op, target: op.endsWith('&') ? `&${value}` : value });
      i = end;
      continue;
    }
    if (c === '|' || c === '&' || c === ';' || c === '(' || c === ')') {
      flush();
      const two = text.slice(i, i + 2);
      if (two === '||' || two === '&&' || two === ';;' || two === '|&') {
        tokens.push({ kind: 'op', value: two === '|&' ? '|' : two });
        i += 2;
      } else {
        tokens.push({ kind: 'op', value: c });
        i++;
      }
      continue;
    }
    word = (word ?? '') + c;
    i++;
  }
  flush();
  return { tokens, substitutions };
}

export interface SimpleCommand {
  words: string[];
  redirects: { op: string; target: string }[];
  stdin: string | null;
  /** The command whose output is piped into this one, if any. */
  pipedFrom: SimpleCommand | null;
}

export function splitCommands(tokens: Token[]): SimpleCommand[] {
  const commands: SimpleCommand[] = [];
  let current: SimpleCommand = { words: [], redirects: [], stdin: null, pipedFrom: null };
  let lastSeparator = '';
  const finish = (separator: string) => {
    if (current.words.length > 0 || current.redirects.length > 0) {
      commands.push(current);
      const previous = current;
      current = { words: [], redirects: [], stdin: null, pipedFrom: separator === '|' ? previous : null };
    } else if (separator !== '|' || lastSeparator !== '|') {
      current.pipedFrom = null;
    }
    lastSeparator = separator;
  };
  for (const token of tokens) {
    if (token.kind === 'word') current.words.push(token.value);
    else if (token.kind === 'redirect') current.redirects.push({ op: token.op, target: token.target });
    else if (token.kind === 'heredoc') current.stdin = token.body;
    else if (SEPARATORS.has(token.value)) finish(token.value);
  }
  finish('');
  return commands;
}

// Wrappers run the rest of the line as a command; the value lists name their options that take an argument.
const WRAPPERS: Record<string, Set<string>> = {
  sudo: new Set(['-u', '-g', '-h', '-p', '-C', '-D', '-r', '-t', '-U', '--user', '--group']),
  doas: new Set(['-u', '-C']),
  env: new Set(['-u', '-C', '--unset', '--chdir', '-S']),
  nohup: new Set(),
  time: new Set(['-f', '-o']),
  nice: new Set(['-n', '--adjustment']),
  ionice: new Set(['-c', '-n', '-p']),
  timeout: new Set(['-s', '-k', '--signal', '--kill-after']),
  watch: new Set(['-n', '--interval', '-d']),
  xargs: new Set(['-n', '-I', '-i', '-P', '-L', '-d', '-E', '-s', '-a', '--max-args', '--max-procs', '--delimiter']),
  stdbuf: new Set(['-i', '-o', '-e']),
  exec: new Set(),
  command: new Set(),
  builtin: new Set(),
  strace: new Set(['-e', '-o', '-p', '-s']),
  chronic: new Set(),
  unbuffer: new Set(),
};
// Wrappers whose first plain argument is a parameter, not the command (`timeout 30 cmd`, `chroot /mnt cmd`).
const WRAPPERS_WITH_ARGUMENT = new Set(['timeout', 'chroot']);

const SHELL_KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', '{', '}', 'fi', 'done', 'esac']);

/** The words of a simple command from the program on: assignments, shell keywords and wrappers taken off. */
export function stripPrefixes(words: string[]): string[] {
  let rest = words;
  for (;;) {
    const head = rest[0];
    if (head === undefined) return rest;
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(head) || SHELL_KEYWORDS.has(head)) {
      rest = rest.slice(1);
      continue;
    }
    const program = basename(head);
    // Own keys only: a program named `constructor` or `toString` is not a wrapper because every object has one.
    const withValue = (Object.hasOwn(WRAPPERS, program) ? WRAPPERS[program] : undefined) ?? (program === 'chroot' ? new Set<string>() : undefined);
    if (withValue === undefined) return rest;
    let j = 1;
    while (j < rest.length) {
      const w = rest[j]!;
      if (w === '--') {
        j++;
        break;
      }
      if (w.startsWith('-') && w.length > 1) {
        j += withValue.has(w) ? 2 : 1;
        continue;
      }
      if (program === 'env' && w.includes('=')) {
        j++;
        continue;
      }
      break;
    }
    if (WRAPPERS_WITH_ARGUMENT.has(program)) j++;
    rest = rest.slice(j);
  }
}

/** A program's name without its directory, lower-cased (`/usr/bin/RM` is `rm`). */
export function basename(word: string): string {
  const slash = word.lastIndexOf('/');
  return (slash === -1 ? word : word.slice(slash + 1)).toLowerCase();
}

// Rule-based risk of a runbook command, so a destructive step is recognised by its text and never only by a model's word.
//
// Decisions worth knowing:
// - Every part of a command line counts (pipelines, `&&`, `;`, subshells, `$(...)`, `bash -c`, `kubectl exec -- ...`,
//   `ssh host cmd`, `xargs cmd`, SQL given to `psql -c`); the most severe part wins and its reasons are reported.
// - Unknown programs are `mutating`: a rule set cannot prove an unknown program harmless.
// - `destructive` means data or capacity is lost until someone acts: deletions, wipes, force pushes, kills with
//   SIGKILL, reboots, scaling to zero, and `systemctl stop|mask|kill` (the service stays down). `systemctl disable`
//   only affects the next boot, so it is `mutating` unless `--now` also stops the service.
// - SQL: DROP, TRUNCATE and DELETE or UPDATE without a WHERE clause (or with `WHERE true`/`WHERE 1=1`) are
//   destructive; other writes (INSERT, UPDATE, DELETE with WHERE, ALTER, CREATE, GRANT, ...) are mutating;
//   SELECT, SHOW and EXPLAIN without ANALYZE are read-only (EXPLAIN ANALYZE runs the statement).
// - Deleting anything through an API (aws delete-*, HTTP DELETE, gcloud/az delete) is destructive.
// - Redirecting output into a file (`> out.yaml`, `>> /etc/x`) is mutating: it changes the machine, even if only a
//   scratch file; `/dev/null` and file descriptors do not count, and writing to a block device is destructive.
import { STEP_RISKS, type StepRisk, type TargetType } from '../runbook-types.ts';

export interface CommandRisk {
  risk: StepRisk;
  reasons: string[];
}

export function maxRisk(a: StepRisk, b: StepRisk): StepRisk {
  return STEP_RISKS.indexOf(a) >= STEP_RISKS.indexOf(b) ? a : b;
}

/** The higher of the risk a model claimed and the risk the rules find: a model may raise a risk, never lower it. */
export function escalate(modelRisk: StepRisk, command: string, targetType?: TargetType): StepRisk {
  return maxRisk(modelRisk, classifyCommand(command, targetType).risk);
}

export function classifyCommand(command: string, targetType?: TargetType): CommandRisk {
  const text = command.trim();
  if (text === '') return { risk: 'read-only', reasons: ['empty command does nothing'] };
  const first = (text.split(/\s+/, 1)[0] ?? '').toLowerCase();
  if (targetType === 'sql' && !SQL_CLIENTS.has(first)) return classifySql(text);
  if (targetType === 'http' && HTTP_METHODS.has(first.toUpperCase())) return classifyHttpMethod(first.toUpperCase(), 'HTTP');
  if (targetType === 'kubectl' && first !== 'kubectl' && !first.includes('=')) return classifyShell(`kubectl ${text}`, 0);
  if (targetType === 'aws' && first !== 'aws' && !first.includes('=')) return classifyShell(`aws ${text}`, 0);
  if (targetType === 'systemctl' && first !== 'systemctl' && first !== 'sudo') return classifyShell(`systemctl ${text}`, 0);
  if (SQL_LEADS.has(first.toUpperCase()) && !KNOWN_PROGRAMS.has(first)) return classifySql(text);
  return classifyShell(text, 0);
}

// ---------------------------------------------------------------------------------------------------------------
// Combining parts

class Verdict {
  risk: StepRisk = 'read-only';
  private readonly byRisk: Record<StepRisk, string[]> = { 'read-only': [], mutating: [], destructive: [] };

  add(risk: StepRisk, reason: string): void {
    this.risk = maxRisk(this.risk, risk);
    if (!this.byRisk[risk].includes(reason)) this.byRisk[risk].push(reason);
  }

  merge(other: CommandRisk): void {
    for (const reason of other.reasons) this.add(other.risk, reason);
  }

  result(): CommandRisk {
    return { risk: this.risk, reasons: [...this.byRisk[this.risk]] };
  }
}

// Guards against pathological nesting (`bash -c "bash -c ..."`) rather than any realistic command.
const MAX_DEPTH = 8;

// ---------------------------------------------------------------------------------------------------------------
// Shell lexing: words, operators, redirections, here-documents and command substitutions

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

function lexShell(text: string): Lexed {
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

interface SimpleCommand {
  words: string[];
  redirects: { op: string; target: string }[];
  stdin: string | null;
  /** The command whose output is piped into this one, if any. */
  pipedFrom: SimpleCommand | null;
}

function splitCommands(tokens: Token[]): SimpleCommand[] {
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

function classifyShell(text: string, depth: number): CommandRisk {
  const verdict = new Verdict();
  if (depth > MAX_DEPTH) {
    verdict.add('mutating', 'command nests too deeply to analyse: assumed mutating');
    return verdict.result();
  }
  const { tokens, substitutions } = lexShell(text);
  for (const inner of substitutions) verdict.merge(classifyShell(inner, depth + 1));
  for (const command of splitCommands(tokens)) verdict.merge(classifySimple(command, depth));
  if (verdict.result().reasons.length === 0) verdict.add('read-only', 'nothing but shell syntax');
  return verdict.result();
}

// ---------------------------------------------------------------------------------------------------------------
// One simple command: prefixes, redirections, then the program's own rules

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
const SHELLS = new Set(['bash', 'sh', 'zsh', 'dash', 'ksh']);

function stripPrefixes(words: string[]): string[] {
  let rest = words;
  for (;;) {
    const head = rest[0];
    if (head === undefined) return rest;
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(head) || SHELL_KEYWORDS.has(head)) {
      rest = rest.slice(1);
      continue;
    }
    const program = basename(head);
    const withValue = WRAPPERS[program] ?? (program === 'chroot' ? new Set<string>() : undefined);
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

function basename(word: string): string {
  const slash = word.lastIndexOf('/');
  return (slash === -1 ? word : word.slice(slash + 1)).toLowerCase();
}

const HARMLESS_TARGETS = /^(?:\/dev\/(?:null|stdout|stderr|tty)|&\d?-?)$/;
const BLOCK_DEVICE = /^\/dev\/(?:sd|hd|vd|xvd|nvme|mmcblk|md|dm-|mapper\/|disk\/)/;

function classifySimple(command: SimpleCommand, depth: number): CommandRisk {
  const verdict = new Verdict();
  for (const { op, target } of command.redirects) {
    if (!op.includes('>')) continue;
    if (HARMLESS_TARGETS.test(target)) continue;
    if (BLOCK_DEVICE.test(target)) verdict.add('destructive', `writes straight to the block device ${target}`);
    else verdict.add('mutating', `writes to the file ${target}`);
  }
  const words = stripPrefixes(command.words);
  if (words.length === 0) {
    if (command.words.some((w) => w === 'sudo' || w === 'doas')) verdict.add('mutating', '`sudo` without a command opens a root shell: assumed mutating');
    if (verdict.result().reasons.length === 0) verdict.add('read-only', 'no program to run');
    return verdict.result();
  }
  const program = basename(words[0]!);
  const args = words.slice(1);
  verdict.merge(classifyProgram(program, args, command, depth));
  return verdict.result();
}

type Rule = (args: string[], ctx: { command: SimpleCommand; depth: number; program: string }) => CommandRisk;

const r = (risk: StepRisk, reason: string): CommandRisk => ({ risk, reasons: [reason] });

function classifyProgram(program: string, args: string[], command: SimpleCommand, depth: number): CommandRisk {
  const rule = RULES[program];
  if (rule !== undefined) return rule(args, { command, depth, program });
  if (READ_ONLY_PROGRAMS.has(program)) return r('read-only', `\`${program}\` only reads`);
  if (/^mkfs(\.|$)/.test(program)) return r('destructive', `\`${program}\` formats a file system`);
  if (DESTRUCTIVE_PROGRAMS[program] !== undefined) return r('destructive', DESTRUCTIVE_PROGRAMS[program]!);
  if (MUTATING_PROGRAMS.has(program)) return r('mutating', `\`${program}\` changes the system`);
  if (REDIS_COMMANDS_DESTRUCTIVE.has(program.toUpperCase())) return classifyRedisCommand(program, args);
  return r('mutating', `unknown command \`${program}\`: assumed mutating`);
}

const READ_ONLY_PROGRAMS = new Set(
  (
    'cat less more head tail grep egrep fgrep zgrep zcat zless bzcat xzcat rg ag awk gawk cut sort uniq wc tr jq yq column ' +
    'ls ll dir stat file du df free top htop atop iotop vmstat iostat mpstat sar pidstat uptime w who whoami id hostname ' +
    'uname date ps pgrep pstree lsof ss netstat ping ping6 traceroute tracepath mtr dig nslookup host drill whois nc ncat ' +
    'telnet openssl dmesg printenv echo printf which type whereis nproc lscpu lsblk blkid lsmod lspci lsusb ' +
    'ltrace perf tcpdump getent nvidia-smi sleep true false test [ xxd hexdump od base64 md5sum sha1sum sha256sum diff ' +
    'cmp tree readlink realpath basename dirname seq tac nl fold strings cd pwd export set unset history ethtool ' +
    'ulimit arp route ifconfig iftop nload bmon glances dstat lsns findmnt mountpoint timedatectl hostnamectl loginctl ' +
    'last lastlog read local alias source . hash jobs wait locale getconf ipcs showmount nfsstat iperf iperf3 ' +
    'kubectx kubens k9s stern kubetail promtool amtool'
  ).split(' '),
);

const DESTRUCTIVE_PROGRAMS: Record<string, string> = {
  shred: '`shred` overwrites data beyond recovery',
  wipefs: '`wipefs` erases file system signatures',
  mkswap: '`mkswap` overwrites a partition',
  fdisk: '`fdisk` rewrites partition tables',
  sfdisk: '`sfdisk` rewrites partition tables',
  gdisk: '`gdisk` rewrites partition tables',
  sgdisk: '`sgdisk` rewrites partition tables',
  parted: '`parted` rewrites partition tables',
  truncate: '`truncate` cuts a file, losing its content',
  reboot: '`reboot` takes the machine down',
  shutdown: '`shutdown` takes the machine down',
  halt: '`halt` takes the machine down',
  poweroff: '`poweroff` takes the machine down',
  pkill: '`pkill` kills processes by name',
  killall: '`killall` kills processes by name',
  userdel: '`userdel` deletes a user',
  groupdel: '`groupdel` deletes a group',
  rmdir: '`rmdir` deletes directories',
  unlink: '`unlink` deletes a file',
  srm: '`srm` deletes files securely',
  lvremove: '`lvremove` deletes a logical volume',
  vgremove: '`vgremove` deletes a volume group',
  pvremove: '`pvremove` deletes a physical volume',
  zap: '`zap` wipes a disk',
};

const MUTATING_PROGRAMS = new Set(
  (
    'mv cp ln chmod chown chgrp chattr mkdir touch tee install rsync scp tar unzip gzip gunzip bzip2 xz patch ' +
    'apt apt-get yum dnf zypper apk pip pip3 npm yarn pnpm gem brew snap rpm dpkg useradd usermod groupadd passwd ' +
    'mount umount swapon swapoff modprobe rmmod insmod renice logrotate certbot update-ca-certificates ' +
    'ufw firewall-cmd nft ipset tc ip6tables-restore iptables-restore lvextend lvcreate resize2fs xfs_growfs growpart ' +
    'ssh-keygen ssh-copy-id htpasswd at batch make ansible ansible-playbook consul nomad etcdctl ' +
    'supervisorctl pm2 launchctl sc wget'
  ).split(' '),
);

function flag(args: string[], ...names: string[]): boolean {
  return args.some((a) => names.includes(a) || names.some((n) => n.startsWith('--') && a.startsWith(`${n}=`)));
}

/** Whether short options (possibly bundled, `-rf`) include `letter`. */
function shortFlag(args: string[], letter: string): boolean {
  return args.some((a) => /^-[A-Za-z]+$/.test(a) && a.includes(letter));
}

function positional(args: string[]): string[] {
  return args.filter((a) => !a.startsWith('-'));
}

function recurse(words: string[], depth: number): CommandRisk {
  if (words.length === 0) return r('mutating', 'opens an interactive session: assumed mutating');
  const text = words.length === 1 ? words[0]! : words.map(quoteWord).join(' ');
  return classifyShell(text, depth + 1);
}

function quoteWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

const RULES: Record<string, Rule> = {
  tee: (args) =>
    positional(args).every((a) => HARMLESS_TARGETS.test(a))
      ? r('read-only', '`tee /dev/null` writes nowhere')
      : r('mutating', `\`tee\` writes to ${positional(args).join(', ')}`),
  rm: (args) =>
    shortFlag(args, 'r') || shortFlag(args, 'R') || flag(args, '--recursive')
      ? r('destructive', '`rm -r` deletes directory trees')
      : r('destructive', '`rm` deletes files; they cannot be restored'),
  dd: (args) =>
    args.some((a) => a.startsWith('of='))
      ? r('destructive', '`dd of=...` overwrites its target')
      : r('read-only', '`dd` without `of=` only reads'),
  find: (args, { depth }) => {
    if (flag(args, '-delete')) return r('destructive', '`find -delete` deletes what it finds');
    const exec = args.findIndex((a) => a === '-exec' || a === '-execdir' || a === '-ok');
    if (exec === -1) return r('read-only', '`find` only reads');
    const end = args.findIndex((a, i) => i > exec && (a === ';' || a === '\\;' || a === '+'));
    return recurse(args.slice(exec + 1, end === -1 ? undefined : end).filter((a) => a !== '{}'), depth);
  },
  sed: (args) =>
    args.some((a) => a === '-i' || a.startsWith('--in-place') || /^-[a-zA-Z]*i/.test(a))
      ? r('mutating', '`sed -i` edits files in place')
      : r('read-only', '`sed` without `-i` only reads'),
  kill: (args) =>
    args.some((a) => /^-(?:9|KILL|SIGKILL)$/i.test(a)) || (flag(args, '-s') && args.some((a) => /^(?:9|KILL|SIGKILL)$/i.test(a)))
      ? r('destructive', '`kill -9` kills processes without letting them clean up')
      : args.some((a) => /^-(?:0)$/.test(a))
        ? r('read-only', '`kill -0` only checks that a process exists')
        : r('mutating', '`kill` signals processes'),
  init: (args) =>
    args[0] === '0' || args[0] === '6' ? r('destructive', '`init 0|6` takes the machine down') : r('mutating', '`init` changes the run level'),
  telinit: () => r('destructive', '`telinit` changes the run level'),
  crontab: (args) =>
    shortFlag(args, 'r')
      ? r('destructive', '`crontab -r` deletes the whole crontab')
      : shortFlag(args, 'l')
        ? r('read-only', '`crontab -l` only lists')
        : r('mutating', '`crontab` changes scheduled jobs'),
  journalctl: (args) =>
    args.some((a) => a.startsWith('--vacuum'))
      ? r('destructive', '`journalctl --vacuum-*` deletes archived logs')
      : flag(args, '--rotate', '--flush', '--sync', '--relinquish-var')
        ? r('mutating', '`journalctl` maintenance changes the journal')
        : r('read-only', '`journalctl` only reads logs'),
  dmesg: (args) =>
    shortFlag(args, 'c') || shortFlag(args, 'C') || flag(args, '--clear', '--read-clear')
      ? r('mutating', '`dmesg -c` clears the kernel ring buffer')
      : r('read-only', '`dmesg` only reads'),
  sysctl: (args) =>
    shortFlag(args, 'w') || shortFlag(args, 'p') || args.some((a) => !a.startsWith('-') && a.includes('='))
      ? r('mutating', '`sysctl` writes kernel parameters')
      : r('read-only', '`sysctl` only reads kernel parameters'),
  iptables: (args) => classifyFirewall('iptables', args),
  ip6tables: (args) => classifyFirewall('ip6tables', args),
  ip: (args) => {
    const verbs = positional(args);
    return verbs.some((v) => ['add', 'del', 'delete', 'set', 'change', 'replace', 'flush', 'append'].includes(v))
      ? verbs.includes('flush') || verbs.includes('del') || verbs.includes('delete')
        ? r('destructive', '`ip ... del|flush` removes network configuration')
        : r('mutating', '`ip` changes network configuration')
      : r('read-only', '`ip` only shows network configuration');
  },
  mount: (args) => (args.length === 0 || flag(args, '-l') ? r('read-only', '`mount` only lists mounts') : r('mutating', '`mount` mounts a file system')),
  curl: (args) => classifyCurl(args),
  http: (args) => classifyHttpie(args),
  https: (args) => classifyHttpie(args),
  git: (args) => classifyGit(args),
  systemctl: (args) => classifySystemctl(args),
  service: (args) => {
    const action = positional(args)[1]?.toLowerCase();
    if (action === undefined || action === 'status') return r('read-only', '`service ... status` only reads');
    if (action === 'stop') return r('destructive', '`service ... stop` takes the service down');
    return r('mutating', `\`service ... ${action}\` changes a running service`);
  },
  kubectl: (args, { depth }) => classifyKubectl(args, depth),
  oc: (args, { depth }) => classifyKubectl(args, depth),
  helm: (args) => classifyHelm(args),
  terraform: (args) => classifyTerraform(args),
  tofu: (args) => classifyTerraform(args),
  aws: (args) => classifyAws(args),
  gcloud: (args) => classifyCloudCli('gcloud', args),
  az: (args) => classifyCloudCli('az', args),
  docker: (args, { depth }) => classifyDocker('docker', args, depth),
  podman: (args, { depth }) => classifyDocker('podman', args, depth),
  nerdctl: (args, { depth }) => classifyDocker('nerdctl', args, depth),
  crictl: (args) => {
    const verb = positional(args)[0];
    if (verb === undefined || ['ps', 'pods', 'images', 'img', 'logs', 'inspect', 'inspecti', 'inspectp', 'stats', 'info', 'version', 'statsp'].includes(verb))
      return r('read-only', '`crictl` only inspects');
    if (['rm', 'rmi', 'rmp'].includes(verb)) return r('destructive', `\`crictl ${verb}\` deletes containers or images`);
    return r('mutating', `\`crictl ${verb}\` changes containers`);
  },
  'docker-compose': (args, { depth }) => classifyDocker('docker-compose', ['compose', ...args], depth),
  redis: (args) => classifyRedisCli(args),
  'redis-cli': (args) => classifyRedisCli(args),
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
  mongo: (args) => classifyMongo(args),
  mongosh: (args) => classifyMongo(args),
  ssh: (args, { depth }) => {
    const withValue = new Set(['-i', '-p', '-l', '-o', '-F', '-J', '-L', '-R', '-D', '-W', '-E', '-b', '-c', '-m', '-S', '-w', '-B', '-e', '-Q', '-O']);
    let j = 0;
    while (j < args.length && args[j]!.startsWith('-')) j += withValue.has(args[j]!) ? 2 : 1;
    return recurse(args.slice(j + 1), depth);
  },
  eval: (args, { depth }) => recurse([args.join(' ')], depth),
  for: () => r('read-only', 'loop header'),
  case: () => r('read-only', 'case header'),
  nginx: (args) =>
    flag(args, '-t', '-T', '-v', '-V')
      ? r('read-only', '`nginx -t` only checks the configuration')
      : args.includes('stop') || args.includes('quit')
        ? r('destructive', '`nginx -s stop` takes the server down')
        : r('mutating', '`nginx` changes the running server'),
  vault: (args) => {
    const verbs = positional(args);
    if (verbs.some((v) => ['delete', 'destroy', 'metadata-delete', 'revoke', 'disable'].includes(v))) return r('destructive', '`vault ... delete|destroy|revoke` removes secrets or access');
    if (verbs.some((v) => ['read', 'get', 'list', 'status', 'lookup', 'version', 'capabilities', 'path-help'].includes(v)) || verbs.length === 0)
      return r('read-only', '`vault read|get|list` only reads');
    return r('mutating', `\`vault ${verbs.slice(0, 2).join(' ')}\` writes secrets or configuration`);
  },
  rsync: (args) =>
    args.some((a) => a.startsWith('--delete') || a === '--remove-source-files')
      ? r('destructive', '`rsync --delete` deletes files at the destination')
      : r('mutating', '`rsync` copies files'),
  wget: (args) =>
    flag(args, '--spider')
      ? r('read-only', '`wget --spider` only checks the URL')
      : args.some((a) => a.startsWith('--post-') || a.startsWith('--method'))
        ? r('mutating', '`wget` sends a request that changes data')
        : r('read-only', '`wget` only downloads'),
};

for (const shell of SHELLS) {
  RULES[shell] = (args, { depth, program, command }) => {
    const c = args.findIndex((a) => /^-[a-z]*c$/.test(a));
    if (c !== -1 && args[c + 1] !== undefined) return classifyShell(args[c + 1]!, depth + 1);
    if (command.stdin !== null) return classifyShell(command.stdin, depth + 1);
    return r('mutating', `\`${program}\` runs a script that cannot be seen here: assumed mutating`);
  };
}

function classifyFirewall(program: string, args: string[]): CommandRisk {
  if (flag(args, '-F', '--flush', '-X', '--delete-chain', '-D', '--delete')) return r('destructive', `\`${program}\` deletes firewall rules`);
  if (flag(args, '-L', '--list', '-S', '--list-rules', '-C', '--check') || args.length === 0) return r('read-only', `\`${program} -L\` only lists rules`);
  return r('mutating', `\`${program}\` changes firewall rules`);
}

const HTTP_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE']);

function classifyHttpMethod(method: string, tool: string): CommandRisk {
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return r('read-only', `${tool} ${method} only reads`);
  if (method === 'DELETE') return r('destructive', `${tool} DELETE deletes a resource`);
  return r('mutating', `${tool} ${method} changes a resource`);
}

function classifyCurl(args: string[]): CommandRisk {
  let method: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-X' || a === '--request') method = (args[i + 1] ?? '').toUpperCase();
    else if (a.startsWith('-X') && a.length > 2) method = a.slice(2).toUpperCase();
    else if (a.startsWith('--request=')) method = a.slice('--request='.length).toUpperCase();
  }
  if (method !== null) return classifyHttpMethod(method, '`curl`');
  const sendsBody = args.some((a) => /^(?:-d|--data.*|-F|--form.*|-T|--upload-file|--json)(?:=|$)/.test(a) || /^-[dFT]./.test(a));
  if (sendsBody) return r('mutating', '`curl` with a body sends a POST that changes a resource');
  return r('read-only', '`curl` GET only reads');
}

function classifyHttpie(args: string[]): CommandRisk {
  const method = positional(args).find((a) => HTTP_METHODS.has(a.toUpperCase()));
  if (method !== undefined) return classifyHttpMethod(method.toUpperCase(), '`http`');
  return args.some((a) => /^[\w-]+:?=/.test(a))
    ? r('mutating', '`http` with data sends a POST that changes a resource')
    : r('read-only', '`http` GET only reads');
}

function classifyGit(args: string[]): CommandRisk {
  const verb = positional(args)[0];
  const rest = args.slice(args.indexOf(verb ?? '') + 1);
  switch (verb) {
    case 'push':
      if (flag(rest, '--force', '-f', '--force-with-lease', '--mirror', '--delete', '-d') || positional(rest).some((a) => a.startsWith('+') || a.startsWith(':')))
        return r('destructive', '`git push --force` rewrites or deletes remote history');
      return r('mutating', '`git push` changes the remote');
    case 'reset':
      return flag(rest, '--hard') ? r('destructive', '`git reset --hard` discards local changes') : r('mutating', '`git reset` moves a branch');
    case 'clean':
      return shortFlag(rest, 'n') || flag(rest, '--dry-run') ? r('read-only', '`git clean -n` only lists') : r('destructive', '`git clean` deletes untracked files');
    case 'branch':
      if (flag(rest, '-D') || (flag(rest, '-d', '--delete') && flag(rest, '--force', '-f'))) return r('destructive', '`git branch -D` deletes unmerged branches');
      return positional(rest).length === 0 || flag(rest, '-a', '-r', '--list', '-v', '-vv')
        ? r('read-only', '`git branch` only lists')
        : r('mutating', '`git branch` changes branches');
    case 'log': case 'status': case 'diff': case 'show': case 'blame': case 'grep': case 'fetch': case 'ls-files':
    case 'ls-remote': case 'rev-parse': case 'describe': case 'shortlog': case 'reflog': case 'remote': case 'tag':
      return verb === 'tag' && positional(rest).length > 0 ? r('mutating', '`git tag` creates a tag') : r('read-only', `\`git ${verb}\` only reads`);
    default:
      return r('mutating', `\`git ${verb ?? ''}\` changes the repository`);
  }
}

function classifySystemctl(args: string[]): CommandRisk {
  const verb = positional(args)[0]?.toLowerCase();
  if (verb === undefined) return r('read-only', '`systemctl` lists units');
  if (['status', 'show', 'list-units', 'list-unit-files', 'list-timers', 'list-sockets', 'list-jobs', 'list-dependencies', 'is-active', 'is-enabled', 'is-failed', 'is-system-running', 'cat', 'show-environment', 'get-default', 'help'].includes(verb))
    return r('read-only', `\`systemctl ${verb}\` only reads`);
  if (['stop', 'mask', 'kill', 'isolate', 'poweroff', 'reboot', 'halt', 'kexec', 'rescue', 'emergency'].includes(verb))
    return r('destructive', `\`systemctl ${verb}\` takes a service or the machine down until someone brings it back`);
  if (verb === 'disable' && flag(args, '--now')) return r('destructive', '`systemctl disable --now` stops the service');
  return r('mutating', `\`systemctl ${verb}\` changes a running service`);
}

// Options of kubectl that take a value, so that `kubectl -n prod get pods` finds `get` as the verb.
const KUBECTL_VALUE_OPTIONS = new Set(['-n', '--namespace', '--context', '--cluster', '--kubeconfig', '-l', '--selector', '-o', '--output', '-c', '--container', '--user', '-s', '--server', '--as', '-f', '--filename', '--field-selector', '--since', '--tail', '--replicas', '--timeout', '--type', '-p', '--patch']);

function kubectlPositionals(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') break;
    if (a.startsWith('-')) {
      if (KUBECTL_VALUE_OPTIONS.has(a)) i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

function classifyKubectl(args: string[], depth: number): CommandRisk {
  const [verb, sub] = kubectlPositionals(args);
  const dryRun = args.some((a) => /^--dry-run(?:=(?:client|server))?$/.test(a));
  switch (verb) {
    case undefined:
      return r('read-only', '`kubectl` without a verb prints help');
    case 'get': case 'describe': case 'logs': case 'top': case 'explain': case 'api-resources': case 'api-versions':
    case 'version': case 'cluster-info': case 'events': case 'diff': case 'wait': case 'port-forward': case 'proxy':
      return r('read-only', `\`kubectl ${verb}\` only reads`);
    case 'auth':
      return sub === 'can-i' || sub === 'whoami' ? r('read-only', '`kubectl auth can-i` only reads') : r('mutating', '`kubectl auth` changes access');
    case 'config':
      return ['view', 'get-contexts', 'current-context', 'get-clusters', 'get-users'].includes(sub ?? '')
        ? r('read-only', '`kubectl config view` only reads')
        : r('mutating', '`kubectl config` changes the local configuration');
    case 'rollout':
      if (sub === 'status' || sub === 'history') return r('read-only', `\`kubectl rollout ${sub}\` only reads`);
      return r('mutating', `\`kubectl rollout ${sub ?? ''}\` changes running workloads`);
    case 'delete':
      return dryRun ? r('read-only', '`kubectl delete --dry-run` changes nothing') : r('destructive', '`kubectl delete` deletes resources');
    case 'drain':
      return dryRun ? r('read-only', '`kubectl drain --dry-run` changes nothing') : r('destructive', '`kubectl drain` evicts every pod from a node');
    case 'scale': {
      const replicas = args.find((a, i) => a.startsWith('--replicas=') || args[i - 1] === '--replicas');
      const value = replicas?.startsWith('--replicas=') ? replicas.slice('--replicas='.length) : replicas;
      if (value === '0') return r('destructive', '`kubectl scale --replicas=0` stops every pod of the workload');
      return r('mutating', '`kubectl scale` changes the number of pods');
    }
    case 'exec': {
      const dash = args.indexOf('--');
      if (dash === -1) return r('mutating', '`kubectl exec` without `--` runs a command that cannot be seen: assumed mutating');
      return recurse(args.slice(dash + 1), depth);
    }
    default:
      return dryRun ? r('read-only', `\`kubectl ${verb} --dry-run\` changes nothing`) : r('mutating', `\`kubectl ${verb}\` changes the cluster`);
  }
}

function classifyHelm(args: string[]): CommandRisk {
  const [verb, sub] = positional(args);
  if (verb === 'uninstall' || verb === 'delete' || verb === 'del' || verb === 'un')
    return flag(args, '--dry-run') ? r('read-only', '`helm uninstall --dry-run` changes nothing') : r('destructive', '`helm uninstall` deletes a release');
  if (['list', 'ls', 'status', 'history', 'get', 'show', 'inspect', 'template', 'version', 'search', 'lint', 'env', 'verify', 'diff'].includes(verb ?? ''))
    return r('read-only', `\`helm ${verb}\` only reads`);
  if (verb === 'repo' && sub === 'list') return r('read-only', '`helm repo list` only reads');
  if (flag(args, '--dry-run')) return r('read-only', `\`helm ${verb} --dry-run\` changes nothing`);
  return r('mutating', `\`helm ${verb ?? ''}\` changes releases`);
}

function classifyTerraform(args: string[]): CommandRisk {
  const [verb, sub] = positional(args.filter((a) => !a.startsWith('-chdir')));
  if (verb === 'destroy' || (verb === 'apply' && flag(args, '-destroy', '--destroy'))) return r('destructive', '`terraform destroy` deletes infrastructure');
  if (verb === 'plan' && flag(args, '-destroy')) return r('read-only', '`terraform plan` only computes changes');
  if (['plan', 'show', 'output', 'validate', 'version', 'providers', 'graph', 'console'].includes(verb ?? '')) return r('read-only', `\`terraform ${verb}\` only reads`);
  if (verb === 'fmt' && flag(args, '-check')) return r('read-only', '`terraform fmt -check` only reads');
  if (verb === 'state') {
    if (sub === 'list' || sub === 'show' || sub === 'pull') return r('read-only', `\`terraform state ${sub}\` only reads`);
    if (sub === 'rm') return r('destructive', '`terraform state rm` makes Terraform forget resources');
  }
  return r('mutating', `\`terraform ${verb ?? ''}\` changes infrastructure or state`);
}

const AWS_VALUE_OPTIONS = new Set(['--region', '--profile', '--output', '--endpoint-url', '--query', '--cli-read-timeout', '--cli-connect-timeout', '--color', '--ca-bundle']);

function classifyAws(args: string[]): CommandRisk {
  const words: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('--')) {
      if (AWS_VALUE_OPTIONS.has(a)) i++;
      if (words.length >= 2) break;
      continue;
    }
    words.push(a);
    if (words.length === 2) break;
  }
  const [service, operation] = words;
  const op = (operation ?? '').toLowerCase();
  const dryRun = flag(args, '--dry-run');
  if (service === 's3') {
    if (op === 'rb') return r('destructive', '`aws s3 rb` deletes a bucket');
    if (op === 'rm') return r('destructive', flag(args, '--recursive') ? '`aws s3 rm --recursive` deletes every object under a prefix' : '`aws s3 rm` deletes an object');
    if (op === 'sync' && flag(args, '--delete')) return r('destructive', '`aws s3 sync --delete` deletes objects at the destination');
    if (op === 'ls' || op === 'presign') return r('read-only', `\`aws s3 ${op}\` only reads`);
    return r('mutating', `\`aws s3 ${op}\` writes objects`);
  }
  if (service === undefined || op === '') return r('read-only', '`aws` without an operation prints help');
  if (dryRun) return r('read-only', `\`aws ${service} ${op} --dry-run\` changes nothing`);
  if (/^(?:delete|terminate|purge|remove|deregister|disassociate|detach|revoke|cancel|reboot|drop|deprovision|release|abort|stop)-/.test(op) || op === 'rm') {
    if (/^(?:delete|terminate|purge|drop|deprovision)-/.test(op)) return r('destructive', `\`aws ${service} ${op}\` deletes resources`);
    if (/^reboot-/.test(op)) return r('destructive', `\`aws ${service} ${op}\` reboots resources`);
    return r('mutating', `\`aws ${service} ${op}\` changes resources`);
  }
  if (/^(?:describe|list|get|head|lookup|search|batch-get|filter|scan|query|tail|validate|estimate|simulate|test|preview|check)(?:-|$)/.test(op) || ['help', 'wait', 'whoami'].includes(op) || (service === 'configure' && (op === 'list' || op === 'get')))
    return r('read-only', `\`aws ${service} ${op}\` only reads`);
  return r('mutating', `\`aws ${service} ${op}\` changes resources`);
}

function classifyCloudCli(program: string, args: string[]): CommandRisk {
  const words = positional(args).map((w) => w.toLowerCase());
  if (words.some((w) => w === 'delete' || w === 'destroy' || w === 'purge' || w.startsWith('delete-'))) return r('destructive', `\`${program} ... delete\` deletes resources`);
  const last = words[words.length - 1] ?? '';
  if (words.some((w) => ['list', 'describe', 'show', 'get', 'get-iam-policy', 'read', 'tail', 'version', 'info'].includes(w)) || last === '')
    return r('read-only', `\`${program}\` listing or describing only reads`);
  return r('mutating', `\`${program} ${words.slice(0, 3).join(' ')}\` changes resources`);
}

function classifyDocker(program: string, args: string[], depth: number): CommandRisk {
  const words = positional(args);
  let [verb, sub] = words;
  if (verb === 'compose') {
    [, verb, sub] = words;
    if (verb === 'down') return flag(args, '-v', '--volumes') ? r('destructive', '`docker compose down -v` deletes volumes') : r('mutating', '`docker compose down` stops and removes containers');
    if (verb === 'rm') return r('destructive', '`docker compose rm` deletes containers');
    if (['ps', 'logs', 'config', 'top', 'images', 'ls', 'version', 'port', 'events'].includes(verb ?? '')) return r('read-only', `\`${program} compose ${verb}\` only reads`);
    return r('mutating', `\`${program} compose ${verb ?? ''}\` changes containers`);
  }
  if (['container', 'image', 'volume', 'network', 'system', 'builder', 'buildx'].includes(verb ?? '') && sub !== undefined) {
    if (sub === 'prune' || sub === 'rm' || sub === 'remove') return r('destructive', `\`${program} ${verb} ${sub}\` deletes ${verb}s`);
    if (['ls', 'list', 'inspect', 'df', 'info', 'events', 'history', 'logs'].includes(sub)) return r('read-only', `\`${program} ${verb} ${sub}\` only reads`);
    if (verb === 'container' && sub === 'exec') return classifyDocker(program, args.slice(args.indexOf('container') + 1), depth);
    return r('mutating', `\`${program} ${verb} ${sub}\` changes ${verb}s`);
  }
  switch (verb) {
    case 'rm': case 'rmi': case 'kill':
      return r('destructive', `\`${program} ${verb}\` deletes or kills containers or images`);
    case 'ps': case 'logs': case 'inspect': case 'stats': case 'images': case 'info': case 'version': case 'top':
    case 'events': case 'port': case 'diff': case 'history': case 'search':
      return r('read-only', `\`${program} ${verb}\` only reads`);
    case 'exec': {
      const valueOptions = new Set(['-e', '--env', '-u', '--user', '-w', '--workdir', '--env-file']);
      const start = args.indexOf('exec') + 1;
      let j = start;
      while (j < args.length && args[j]!.startsWith('-')) j += valueOptions.has(args[j]!) ? 2 : 1;
      return recurse(args.slice(j + 1), depth);
    }
    default:
      return r('mutating', `\`${program} ${verb ?? ''}\` changes containers`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Redis

const REDIS_COMMANDS_DESTRUCTIVE = new Set(['FLUSHALL', 'FLUSHDB', 'SHUTDOWN', 'SWAPDB']);
const REDIS_READ_ONLY = new Set(
  ('GET MGET GETRANGE STRLEN EXISTS TTL PTTL TYPE KEYS SCAN HGET HMGET HGETALL HKEYS HVALS HLEN HEXISTS HSCAN LLEN LRANGE LINDEX ' +
    'SMEMBERS SCARD SISMEMBER SSCAN ZRANGE ZRANGEBYSCORE ZREVRANGE ZCARD ZSCORE ZRANK ZSCAN ZCOUNT INFO PING ECHO DBSIZE MEMORY ' +
    'SLOWLOG CLIENT CONFIG LATENCY MONITOR CLUSTER XINFO XLEN XRANGE XREVRANGE XPENDING OBJECT ROLE TIME LASTSAVE COMMAND PUBSUB ' +
    'BITCOUNT GETBIT PFCOUNT DUMP RANDOMKEY SELECT AUTH HELLO').split(' '),
);

function classifyRedisCli(args: string[]): CommandRisk {
  const withValue = new Set(['-h', '-p', '-a', '-n', '-u', '-s', '--user', '--pass', '-r', '-i', '--cacert', '--cert', '--key', '--sni', '--pattern', '-d']);
  let j = 0;
  while (j < args.length && args[j]!.startsWith('-')) j += withValue.has(args[j]!) ? 2 : 1;
  const rest = args.slice(j);
  if (rest.length === 0) {
    if (flag(args, '--bigkeys', '--memkeys', '--hotkeys', '--stat', '--latency', '--latency-history', '--latency-dist', '--scan', '--intrinsic-latency'))
      return r('read-only', '`redis-cli` statistics only read');
    return r('mutating', '`redis-cli` opens an interactive session: assumed mutating');
  }
  return classifyRedisCommand(rest[0]!, rest.slice(1));
}

function classifyRedisCommand(name: string, args: string[]): CommandRisk {
  const cmd = name.toUpperCase();
  const sub = (args[0] ?? '').toUpperCase();
  if (REDIS_COMMANDS_DESTRUCTIVE.has(cmd)) return r('destructive', `redis \`${cmd}\` deletes data or stops the server`);
  if (cmd === 'DEBUG') return r('destructive', 'redis `DEBUG` can crash or stall the server');
  if (cmd === 'CONFIG' && sub !== 'GET') return r('mutating', `redis \`CONFIG ${sub}\` changes the server configuration`);
  if (cmd === 'CLIENT' && (sub === 'KILL' || sub === 'PAUSE')) return r('mutating', `redis \`CLIENT ${sub}\` affects connected clients`);
  if (cmd === 'CLUSTER' && !['INFO', 'NODES', 'SLOTS', 'SHARDS', 'MYID', 'KEYSLOT', 'COUNTKEYSINSLOT'].includes(sub)) return r('mutating', `redis \`CLUSTER ${sub}\` changes the cluster`);
  if (cmd === 'SLOWLOG' && sub === 'RESET') return r('mutating', 'redis `SLOWLOG RESET` clears the slow log');
  if (REDIS_READ_ONLY.has(cmd)) return r('read-only', `redis \`${cmd}\` only reads`);
  return r('mutating', `redis \`${cmd}\` writes data`);
}

// ---------------------------------------------------------------------------------------------------------------
// SQL

const SQL_CLIENTS = new Set(['psql', 'mysql', 'mariadb', 'sqlite3', 'clickhouse-client', 'cqlsh', 'sqlcmd', 'sudo', 'kubectl', 'docker']);
const SQL_LEADS = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'DROP', 'TRUNCATE', 'ALTER', 'CREATE', 'WITH', 'EXPLAIN', 'SHOW', 'GRANT', 'REVOKE', 'VACUUM', 'ANALYZE', 'REINDEX', 'BEGIN', 'MERGE', 'REPLACE', 'UPSERT', 'DESCRIBE', 'VALUES', 'COPY', 'CALL']);
const KNOWN_PROGRAMS = new Set(Object.keys(RULES));

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

// ---------------------------------------------------------------------------------------------------------------
// MongoDB shell

function classifyMongo(args: string[]): CommandRisk {
  const e = args.indexOf('--eval');
  const script = e !== -1 ? args[e + 1] : args.find((a) => a.startsWith('--eval='))?.slice('--eval='.length);
  if (script === undefined) return r('mutating', '`mongosh` opens an interactive session: assumed mutating');
  if (/\.(?:dropDatabase|drop|dropIndex(?:es)?)\s*\(|\.(?:deleteMany|remove)\s*\(\s*\{\s*\}\s*\)|\bshutdownServer\s*\(/.test(script))
    return r('destructive', 'the MongoDB script drops or empties collections');
  if (/\.(?:insert\w*|update\w*|replace\w*|delete\w*|remove|findOneAnd\w+|createIndex\w*|create\w*|rename\w*|bulkWrite)\s*\(|\$out\b|\$merge\b|\bkillOp\s*\(|rs\.(?:stepDown|reconfig|add|remove)\s*\(/.test(script))
    return r('mutating', 'the MongoDB script writes data');
  return r('read-only', 'the MongoDB script only reads');
}

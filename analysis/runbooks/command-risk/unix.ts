// The Unix tools: programs that only read, destroy or change (plain lists), rules for those whose options decide
// (`rm`, `dd`, `find -delete`, `sed -i`, `kill -9`, `crontab -r`, `sysctl -w`, `iptables -F`, `ip ... del`, ...), and
// those that run another command, judged in turn: shells (`bash -c`, a here-document), `ssh host cmd`, `eval`.
import { flag, HARMLESS_TARGETS, positional, r, recurse, shortFlag, type CommandRisk, type Rule } from './rule.ts';

export const READ_ONLY_PROGRAMS = new Set(
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

export const DESTRUCTIVE_PROGRAMS: Record<string, string> = {
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

export const MUTATING_PROGRAMS = new Set(
  (
    'mv cp ln chmod chown chgrp chattr mkdir touch tee install rsync scp tar unzip gzip gunzip bzip2 xz patch ' +
    'apt apt-get yum dnf zypper apk pip pip3 npm yarn pnpm gem brew snap rpm dpkg useradd usermod groupadd passwd ' +
    'mount umount swapon swapoff modprobe rmmod insmod renice logrotate certbot update-ca-certificates ' +
    'ufw firewall-cmd nft ipset tc ip6tables-restore iptables-restore lvextend lvcreate resize2fs xfs_growfs growpart ' +
    'ssh-keygen ssh-copy-id htpasswd at batch make ansible ansible-playbook consul nomad etcdctl ' +
    'supervisorctl pm2 launchctl sc wget'
  ).split(' '),
);

const SHELLS = new Set(['bash', 'sh', 'zsh', 'dash', 'ksh']);

export const UNIX_RULES: Record<string, Rule> = {
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
  find: (args, ctx) => {
    if (flag(args, '-delete')) return r('destructive', '`find -delete` deletes what it finds');
    const exec = args.findIndex((a) => a === '-exec' || a === '-execdir' || a === '-ok');
    if (exec === -1) return r('read-only', '`find` only reads');
    const end = args.findIndex((a, i) => i > exec && (a === ';' || a === '\\;' || a === '+'));
    return recurse(args.slice(exec + 1, end === -1 ? undefined : end).filter((a) => a !== '{}'), ctx);
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
  crontab: (args) =>
    shortFlag(args, 'r')
      ? r('destructive', '`crontab -r` deletes the whole crontab')
      : shortFlag(args, 'l')
        ? r('read-only', '`crontab -l` only lists')
        : r('mutating', '`crontab` changes scheduled jobs'),
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
  rsync: (args) =>
    args.some((a) => a.startsWith('--delete') || a === '--remove-source-files')
      ? r('destructive', '`rsync --delete` deletes files at the destination')
      : r('mutating', '`rsync` copies files'),
  // Programs that run another command: judged by what they run.
  ssh: (args, ctx) => {
    const withValue = new Set(['-i', '-p', '-l', '-o', '-F', '-J', '-L', '-R', '-D', '-W', '-E', '-b', '-c', '-m', '-S', '-w', '-B', '-e', '-Q', '-O']);
    let j = 0;
    while (j < args.length && args[j]!.startsWith('-')) j += withValue.has(args[j]!) ? 2 : 1;
    return recurse(args.slice(j + 1), ctx);
  },
  eval: (args, ctx) => recurse([args.join(' ')], ctx),
  for: () => r('read-only', 'loop header'),
  case: () => r('read-only', 'case header'),
};

// A shell runs its `-c` argument or a here-document, judged in turn; a script file cannot be seen.
for (const shell of SHELLS) {
  UNIX_RULES[shell] = (args, { depth, program, command, classifyShell }) => {
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

// Services and the machine's run state: `systemctl`, `service`, `init`/`telinit`, `journalctl`, `nginx`. Stopping,
// masking or killing a service is `destructive` (it stays down until someone acts); `systemctl disable` only affects
// the next boot, so it is `mutating` unless `--now` also stops the service.
import { flag, positional, r, type CommandRisk, type Rule } from './rule.ts';

export const SERVICE_RULES: Record<string, Rule> = {
  init: (args) =>
    args[0] === '0' || args[0] === '6' ? r('destructive', '`init 0|6` takes the machine down') : r('mutating', '`init` changes the run level'),
  telinit: () => r('destructive', '`telinit` changes the run level'),
  journalctl: (args) =>
    args.some((a) => a.startsWith('--vacuum'))
      ? r('destructive', '`journalctl --vacuum-*` deletes archived logs')
      : flag(args, '--rotate', '--flush', '--sync', '--relinquish-var')
        ? r('mutating', '`journalctl` maintenance changes the journal')
        : r('read-only', '`journalctl` only reads logs'),
  systemctl: (args) => classifySystemctl(args),
  service: (args) => {
    const action = positional(args)[1]?.toLowerCase();
    if (action === undefined || action === 'status') return r('read-only', '`service ... status` only reads');
    if (action === 'stop') return r('destructive', '`service ... stop` takes the service down');
    return r('mutating', `\`service ... ${action}\` changes a running service`);
  },
  nginx: (args) =>
    flag(args, '-t', '-T', '-v', '-V')
      ? r('read-only', '`nginx -t` only checks the configuration')
      : args.includes('stop') || args.includes('quit')
        ? r('destructive', '`nginx -s stop` takes the server down')
        : r('mutating', '`nginx` changes the running server'),
};

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

// Containers: `docker` (and `podman`, `nerdctl`), `docker compose` / `docker-compose`, and `crictl`. Removing
// containers, images or volumes is `destructive`; `exec` is judged by the command it runs.
import { flag, positional, r, recurse, type CommandRisk, type Rule, type RuleContext } from './rule.ts';

export const CONTAINER_RULES: Record<string, Rule> = {
  docker: (args, ctx) => classifyDocker('docker', args, ctx),
  podman: (args, ctx) => classifyDocker('podman', args, ctx),
  nerdctl: (args, ctx) => classifyDocker('nerdctl', args, ctx),
  crictl: (args) => {
    const verb = positional(args)[0];
    if (verb === undefined || ['ps', 'pods', 'images', 'img', 'logs', 'inspect', 'inspecti', 'inspectp', 'stats', 'info', 'version', 'statsp'].includes(verb))
      return r('read-only', '`crictl` only inspects');
    if (['rm', 'rmi', 'rmp'].includes(verb)) return r('destructive', `\`crictl ${verb}\` deletes containers or images`);
    return r('mutating', `\`crictl ${verb}\` changes containers`);
  },
  'docker-compose': (args, ctx) => classifyDocker('docker-compose', ['compose', ...args], ctx),
};

function classifyDocker(program: string, args: string[], ctx: RuleContext): CommandRisk {
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
    if (verb === 'container' && sub === 'exec') return classifyDocker(program, args.slice(args.indexOf('container') + 1), ctx);
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
      return recurse(args.slice(j + 1), ctx);
    }
    default:
      return r('mutating', `\`${program} ${verb ?? ''}\` changes containers`);
  }
}

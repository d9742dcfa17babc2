// Kubernetes: `kubectl` (and OpenShift's `oc`) and `helm`. Deleting, draining a node or scaling to zero is
// `destructive`; `--dry-run` changes nothing; `kubectl exec -- cmd` is judged by the command it runs.
import { flag, positional, r, recurse, type CommandRisk, type Rule, type RuleContext } from './rule.ts';

export const KUBERNETES_RULES: Record<string, Rule> = {
  kubectl: (args, ctx) => classifyKubectl(args, ctx),
  oc: (args, ctx) => classifyKubectl(args, ctx),
  helm: (args) => classifyHelm(args),
};

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

function classifyKubectl(args: string[], ctx: RuleContext): CommandRisk {
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
      return recurse(args.slice(dash + 1), ctx);
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

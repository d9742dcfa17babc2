// Cloud and infrastructure CLIs: `aws`, `gcloud`, `az`, `terraform`/`tofu`, `vault`. Deleting anything through an API
// is `destructive`; describing, listing and getting only read; `--dry-run` and `terraform plan` change nothing.
import { flag, positional, r, type CommandRisk, type Rule } from './rule.ts';

export const CLOUD_RULES: Record<string, Rule> = {
  terraform: (args) => classifyTerraform(args),
  tofu: (args) => classifyTerraform(args),
  aws: (args) => classifyAws(args),
  gcloud: (args) => classifyCloudCli('gcloud', args),
  az: (args) => classifyCloudCli('az', args),
  vault: (args) => {
    const verbs = positional(args);
    if (verbs.some((v) => ['delete', 'destroy', 'metadata-delete', 'revoke', 'disable'].includes(v))) return r('destructive', '`vault ... delete|destroy|revoke` removes secrets or access');
    if (verbs.some((v) => ['read', 'get', 'list', 'status', 'lookup', 'version', 'capabilities', 'path-help'].includes(v)) || verbs.length === 0)
      return r('read-only', '`vault read|get|list` only reads');
    return r('mutating', `\`vault ${verbs.slice(0, 2).join(' ')}\` writes secrets or configuration`);
  },
};

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

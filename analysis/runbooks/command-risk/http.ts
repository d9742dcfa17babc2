// HTTP clients: `curl`, HTTPie (`http`, `https`), `wget`, and a bare HTTP request (the `http` target type). GET, HEAD
// and OPTIONS only read; DELETE deletes a resource (`destructive`); other methods, or a body, change one.
import { flag, positional, r, type CommandRisk, type Rule } from './rule.ts';

export const HTTP_RULES: Record<string, Rule> = {
  curl: (args) => classifyCurl(args),
  http: (args) => classifyHttpie(args),
  https: (args) => classifyHttpie(args),
  wget: (args) =>
    flag(args, '--spider')
      ? r('read-only', '`wget --spider` only checks the URL')
      : args.some((a) => a.startsWith('--post-') || a.startsWith('--method'))
        ? r('mutating', '`wget` sends a request that changes data')
        : r('read-only', '`wget` only downloads'),
};

export const HTTP_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE']);

export function classifyHttpMethod(method: string, tool: string): CommandRisk {
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

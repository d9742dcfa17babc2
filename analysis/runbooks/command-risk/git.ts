// `git`: a force push, `reset --hard`, `clean` and deleting unmerged branches lose work (`destructive`); reading history
// is read-only; everything else changes the repository.
import { flag, positional, r, shortFlag, type CommandRisk, type Rule } from './rule.ts';

export const GIT_RULES: Record<string, Rule> = {
  git: (args) => classifyGit(args),
};

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

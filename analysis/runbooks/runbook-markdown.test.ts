import { describe, expect, it } from 'vitest';
import { inferTarget, parseRunbookMarkdown, renderRunbookMarkdown, RunbookMarkdownError, type RunbookDocument } from './runbook-markdown.ts';

const HIGH_CPU = `# Investigate high CPU on a node

Tags: cpu, kubernetes, node

Use when a node alerts on CPU above 90% for 10 minutes.
Start read-only; restart only once the culprit is known.

## Find the busiest pods

Risk: read-only
Target: kubectl

Lists pods on the node by CPU, busiest first.

\`\`\`bash
kubectl top pods -A --sort-by=cpu | head -20
\`\`\`

## Look at the processes on the node

\`\`\`sh
top -bn1 | head -30
\`\`\`

## Check long-running queries

Queries running for minutes often pin a database node.

\`\`\`sql
SELECT pid, now() - query_start AS age, query FROM pg_stat_activity WHERE state = 'active' ORDER BY age DESC;
\`\`\`

## Restart the worker

Risk: mutating

\`\`\`
kubectl rollout restart deployment/worker -n payments
\`\`\`
`;

describe('parseRunbookMarkdown', () => {
  it('reads the title, tags, description and steps', () => {
    const runbook = parseRunbookMarkdown(HIGH_CPU);
    expect(runbook.title).toBe('Investigate high CPU on a node');
    expect(runbook.tags).toEqual(['cpu', 'kubernetes', 'node']);
    expect(runbook.description).toBe('Use when a node alerts on CPU above 90% for 10 minutes.\nStart read-only; restart only once the culprit is known.');
    expect(runbook.steps).toEqual([
      {
        title: 'Find the busiest pods',
        command: 'kubectl top pods -A --sort-by=cpu | head -20',
        targetType: 'kubectl',
        explanation: 'Lists pods on the node by CPU, busiest first.',
        risk: 'read-only',
      },
      { title: 'Look at the processes on the node', command: 'top -bn1 | head -30', targetType: 'shell', explanation: '', risk: 'read-only' },
      {
        title: 'Check long-running queries',
        command: "SELECT pid, now() - query_start AS age, query FROM pg_stat_activity WHERE state = 'active' ORDER BY age DESC;",
        targetType: 'sql',
        explanation: 'Queries running for minutes often pin a database node.',
        risk: 'read-only',
      },
      {
        title: 'Restart the worker',
        command: 'kubectl rollout restart deployment/worker -n payments',
        targetType: 'kubectl',
        explanation: '',
        risk: 'mutating',
      },
    ]);
    expect(runbook.warnings).toEqual([]);
  });

  it('takes the risk from the rules when none is stated', () => {
    const runbook = parseRunbookMarkdown('# Clean up\n\n## Drop the temp table\n\n```sql\nDROP TABLE tmp_import;\n```\n');
    expect(runbook.steps[0]!.risk).toBe('destructive');
    expect(runbook.warnings).toEqual([]);
  });

  it('raises a stated risk that is lower than the rules find, with a warning naming the step', () => {
    const runbook = parseRunbookMarkdown('# Clean up\n\n## Reset\n\nRisk: read-only\n\n```bash\nkubectl delete pod api-0\n```\n');
    expect(runbook.steps[0]!.risk).toBe('destructive');
    expect(runbook.warnings).toHaveLength(1);
    expect(runbook.warnings[0]).toMatch(/^step 1 \("Reset"\): risk raised from read-only to destructive: `kubectl delete`/);
  });

  it('keeps a stated risk that is higher than the rules find', () => {
    const runbook = parseRunbookMarkdown('# T\n\n## Look\n\nRisk: destructive\n\n```bash\nls\n```\n');
    expect(runbook.steps[0]!.risk).toBe('destructive');
    expect(runbook.warnings).toEqual([]);
  });

  it('ignores headings and metadata inside code blocks', () => {
    const md = '# T\n\n## Write a note\n\n```bash\ncat <<EOF > /tmp/note.md\n## not a step\nRisk: read-only\nEOF\n```\n';
    const runbook = parseRunbookMarkdown(md);
    expect(runbook.steps).toHaveLength(1);
    expect(runbook.steps[0]!.command).toBe('cat <<EOF > /tmp/note.md\n## not a step\nRisk: read-only\nEOF');
    expect(runbook.steps[0]!.risk).toBe('mutating');
  });

  it('infers the target from the program when the fence has no language', () => {
    expect(inferTarget('aws ec2 describe-instances')).toBe('aws');
    expect(inferTarget('sudo systemctl status nginx')).toBe('systemctl');
    expect(inferTarget('PGPASSWORD=x psql -c "select 1"')).toBe('sql');
    expect(inferTarget('curl -I https://example.com')).toBe('http');
    expect(inferTarget('df -h')).toBe('shell');
    expect(parseRunbookMarkdown('# T\n\n## S\n\n~~~\nhelm list -A\n~~~\n').steps[0]!.targetType).toBe('kubectl');
    expect(parseRunbookMarkdown('# T\n\n## S\n\n```python\nprint(1)\n```\n').steps[0]!.targetType).toBe('other');
  });

  it('accepts CRLF line endings and a runbook without steps', () => {
    const runbook = parseRunbookMarkdown('# Notes only\r\n\r\nJust text.\r\n');
    expect(runbook).toEqual({ title: 'Notes only', description: 'Just text.', tags: [], steps: [], warnings: [] });
  });

  it('refuses a runbook without a title', () => {
    expect(() => parseRunbookMarkdown('Just text\n\n## Step\n\n```\nls\n```')).toThrow(RunbookMarkdownError);
    expect(() => parseRunbookMarkdown('')).toThrow(/no title/);
    expect(() => parseRunbookMarkdown('## Only a step\n\n```\nls\n```')).toThrow(/no title/);
  });

  it('refuses a step without a command, naming the step number', () => {
    const md = '# T\n\n## First\n\n```\nls\n```\n\n## Second\n\nNo command here.\n';
    try {
      parseRunbookMarkdown(md);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(RunbookMarkdownError);
      expect((error as RunbookMarkdownError).step).toBe(2);
      expect((error as Error).message).toBe('step 2 ("Second") has no command: add one fenced code block');
    }
    expect(() => parseRunbookMarkdown('# T\n\n## Empty\n\n```bash\n\n```\n')).toThrow(/step 1 \("Empty"\) has no command: its code block is empty/);
  });

  it('refuses a step with two code blocks or an unknown risk or target', () => {
    expect(() => parseRunbookMarkdown('# T\n\n## S\n\n```\nls\n```\n\n```\npwd\n```\n')).toThrow(/step 1 \("S"\) has 2 code blocks/);
    expect(() => parseRunbookMarkdown('# T\n\n## S\n\nRisk: low\n\n```\nls\n```\n')).toThrow(/unknown risk "low"/);
    expect(() => parseRunbookMarkdown('# T\n\n## S\n\nTarget: ansible\n\n```\nls\n```\n')).toThrow(/unknown target "ansible"/);
  });
});

describe('renderRunbookMarkdown', () => {
  const runbook: RunbookDocument = {
    title: 'Disk full on a database host',
    description: 'When `/var/lib/postgresql` fills up.',
    tags: ['disk', 'postgres'],
    steps: [
      { title: 'See what is big', command: 'du -xh /var/lib/postgresql | sort -h | tail', targetType: 'shell', explanation: 'Find the largest directories.', risk: 'read-only' },
      { title: 'Drop old partitions', command: 'DROP TABLE events_2023_01;', targetType: 'sql', explanation: 'Only after checking the backup.\n\nTwo paragraphs.', risk: 'destructive' },
      { title: 'Command with backticks', command: 'echo \'```quoted```\' "$(date)"', targetType: 'shell', explanation: '', risk: 'read-only' },
      { title: 'Restart', command: 'restart postgresql', targetType: 'systemctl', explanation: '', risk: 'mutating' },
    ],
  };

  it('round-trips a runbook through markdown', () => {
    const parsed = parseRunbookMarkdown(renderRunbookMarkdown(runbook));
    expect(parsed).toEqual({ ...runbook, warnings: [] });
  });

  it('renders the documented format and is stable on a second round', () => {
    const md = renderRunbookMarkdown(runbook);
    expect(md.startsWith('# Disk full on a database host\n\nTags: disk, postgres\n\nWhen `/var/lib/postgresql` fills up.\n\n## See what is big\n\nRisk: read-only\nTarget: shell\n\nFind the largest directories.\n\n```bash\n')).toBe(true);
    expect(md).toContain('````bash\necho \'```quoted```\' "$(date)"\n````');
    expect(renderRunbookMarkdown(parseRunbookMarkdown(md))).toBe(md);
    const again = renderRunbookMarkdown(parseRunbookMarkdown(HIGH_CPU));
    expect(renderRunbookMarkdown(parseRunbookMarkdown(again))).toBe(again);
  });

  it('leaves out empty tags and description', () => {
    expect(renderRunbookMarkdown({ title: 'T', description: '', tags: [], steps: [] })).toBe('# T\n');
  });
});

describe('parseRunbookMarkdown against crafted imports', () => {
  // The heading and fence patterns backtracked on long lines (a 10,000-space heading took minutes): an import of up to
  // 256 KB must come back (within the test's time-out) and read as before.
  it('reads headings and fences with long runs of spaces and letters in linear time', () => {
    const spaces = ' '.repeat(100_000);
    const parsed = parseRunbookMarkdown(`# Disk full${spaces}x\n\n## Check${spaces}y\n\n\`\`\`bash\ndf -h\n\`\`\`\n`);
    expect(parsed.title).toBe(`Disk full${spaces}x`);
    expect(parsed.steps.map((s) => s.title)).toEqual([`Check${spaces}y`]);
    // A line that starts like a fence but carries a backtick later is text, not a fence.
    const text = parseRunbookMarkdown(`# T\n\n## Look\n\n\`\`\`${'a'.repeat(100_000)}\`\n\n\`\`\`bash\nuptime\n\`\`\`\n`);
    expect(text.steps[0]!.command).toBe('uptime');
    expect(parseRunbookMarkdown('# Title ##\n\n## Step ###\n\n```bash\nuptime\n```\n').steps[0]!.title).toBe('Step');
  });
});

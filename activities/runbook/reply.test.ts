// The model's reply read into a draft: what passes (risks raised by the rules, fields trimmed and cut), and each kind of
// malformed reply refused with a message naming the path only.
import { describe, expect, it } from 'vitest';
import { STEP_RISKS, TARGET_TYPES } from '../../analysis/runbooks/runbook-types.ts';
import { DraftValidationError, MAX_STEPS, READ_ONLY_INSTRUCTION, RUNBOOK_RESPONSE_SCHEMA, validateDraftReply } from './reply.ts';

const step = (overrides: Record<string, unknown> = {}) => ({
  title: 'Look at the pods',
  command: 'kubectl get pods -n shop',
  targetType: 'kubectl',
  explanation: 'Shows which pods restart.',
  risk: 'read-only',
  ...overrides,
});
const reply = (overrides: Record<string, unknown> = {}) => JSON.stringify({ title: 'Checkout pods restart', summary: 'Memory limits are too low.', steps: [step()], ...overrides });

/** The message a reply is refused with (the test fails when it is accepted or fails otherwise). */
function refusal(content: string | null | undefined, options?: { readOnly?: boolean }): string {
  try {
    validateDraftReply(content, options);
  } catch (err) {
    expect(err).toBeInstanceOf(DraftValidationError);
    return (err as Error).message;
  }
  throw new Error('the reply was accepted');
}

describe('a good reply', () => {
  it('becomes a draft with its title, summary and steps', () => {
    expect(validateDraftReply(reply())).toEqual({
      title: 'Checkout pods restart',
      summary: 'Memory limits are too low.',
      steps: [{ title: 'Look at the pods', command: 'kubectl get pods -n shop', targetType: 'kubectl', explanation: 'Shows which pods restart.', risk: 'read-only' }],
      raised: 0,
    });
  });

  it('raises a risk the model understated to what the command rules say, and counts it', () => {
    const draft = validateDraftReply(
      reply({ steps: [step(), step({ command: 'kubectl delete namespace shop', risk: 'read-only' }), step({ command: 'DELETE FROM sessions', targetType: 'sql', risk: 'mutating' })] }),
    );
    expect(draft.steps.map((s) => s.risk)).toEqual(['read-only', 'destructive', 'destructive']);
    expect(draft.raised).toBe(2);
  });

  it('keeps a risk the model overstated', () => {
    const draft = validateDraftReply(reply({ steps: [step({ risk: 'destructive' })] }));
    expect(draft.steps[0]!.risk).toBe('destructive');
    expect(draft.raised).toBe(0);
  });

  it('trims every text, cuts long ones, and takes an empty summary or a missing explanation', () => {
    const long = 'x'.repeat(5000);
    const draft = validateDraftReply(reply({ title: `  ${long}  `, summary: '   ', steps: [{ ...step({ command: `  echo ${long}` }), explanation: undefined }] }));
    expect(draft.title).toHaveLength(200);
    expect(draft.summary).toBe('');
    expect(draft.steps[0]!.command).toHaveLength(4000);
    expect(draft.steps[0]!.command.startsWith('echo x')).toBe(true);
    expect(draft.steps[0]!.explanation).toBe('');
  });

  it(`takes up to ${MAX_STEPS} steps`, () => {
    expect(validateDraftReply(reply({ steps: Array.from({ length: MAX_STEPS }, () => step()) })).steps).toHaveLength(MAX_STEPS);
  });

  it('holds to a read-only instruction when every step is read-only by the rules', () => {
    expect(validateDraftReply(reply(), { readOnly: true }).steps).toHaveLength(1);
    expect(READ_ONLY_INSTRUCTION.test('only read-only steps please')).toBe(true);
    expect(READ_ONLY_INSTRUCTION.test('make it readonly')).toBe(true);
    expect(READ_ONLY_INSTRUCTION.test('restart it')).toBe(false);
  });
});

describe('a malformed reply', () => {
  it('is refused when empty', () => {
    expect(refusal(null)).toBe('the reply was empty');
    expect(refusal(undefined)).toBe('the reply was empty');
    expect(refusal('')).toBe('the reply was empty');
  });

  it('is refused when it is not JSON, or not a JSON object', () => {
    expect(refusal('Here is your runbook: {')).toBe('the reply is not valid JSON');
    expect(refusal('[]')).toBe('the reply is not a JSON object');
    expect(refusal('null')).toBe('the reply is not a JSON object');
    expect(refusal('"a runbook"')).toBe('the reply is not a JSON object');
    expect(refusal('42')).toBe('the reply is not a JSON object');
  });

  it('is refused when the title or summary is missing, not text, or the title is blank', () => {
    expect(refusal(JSON.stringify({ summary: '', steps: [step()] }))).toBe('title is not a string');
    expect(refusal(reply({ title: 7 }))).toBe('title is not a string');
    expect(refusal(reply({ title: '   ' }))).toBe('title is empty');
    expect(refusal(JSON.stringify({ title: 'x', steps: [step()] }))).toBe('summary is not a string');
    expect(refusal(reply({ summary: ['a'] }))).toBe('summary is not a string');
  });

  it('is refused when the steps are missing, not a list, empty or too many', () => {
    expect(refusal(JSON.stringify({ title: 'x', summary: '' }))).toBe('steps is not an array');
    expect(refusal(reply({ steps: { 0: step() } }))).toBe('steps is not an array');
    expect(refusal(reply({ steps: [] }))).toBe('steps is empty: a runbook needs at least one step');
    expect(refusal(reply({ steps: Array.from({ length: MAX_STEPS + 1 }, () => step()) }))).toBe(`steps has ${MAX_STEPS + 1} items, at most ${MAX_STEPS} are allowed`);
  });

  it('is refused when a step is not an object', () => {
    expect(refusal(reply({ steps: [step(), null] }))).toBe('steps[1] is not an object');
    expect(refusal(reply({ steps: ['kubectl get pods'] }))).toBe('steps[0] is not an object');
  });

  it('is refused when a step has an unknown target type or risk', () => {
    expect(refusal(reply({ steps: [step({ targetType: 'powershell' })] }))).toBe(`steps[0].targetType is not one of ${TARGET_TYPES.join(', ')}`);
    expect(refusal(reply({ steps: [step({ targetType: undefined })] }))).toBe(`steps[0].targetType is not one of ${TARGET_TYPES.join(', ')}`);
    expect(refusal(reply({ steps: [step({ risk: 'low' })] }))).toBe(`steps[0].risk is missing or not one of ${STEP_RISKS.join(', ')}`);
    expect(refusal(reply({ steps: [step(), step({ risk: undefined })] }))).toBe(`steps[1].risk is missing or not one of ${STEP_RISKS.join(', ')}`);
  });

  it('is refused when a step has no command or title, or an explanation that is not text', () => {
    expect(refusal(reply({ steps: [step({ command: undefined })] }))).toBe('steps[0].command is not a string');
    expect(refusal(reply({ steps: [step({ command: ' ' })] }))).toBe('steps[0].command is empty');
    expect(refusal(reply({ steps: [step({ title: '' })] }))).toBe('steps[0].title is empty');
    expect(refusal(reply({ steps: [step({ title: 3 })] }))).toBe('steps[0].title is not a string');
    expect(refusal(reply({ steps: [step({ explanation: { text: 'x' } })] }))).toBe('steps[0].explanation is not a string');
  });

  it('is refused under a read-only instruction when a step is more than read-only by the rules, whatever the model said', () => {
    expect(refusal(reply({ steps: [step(), step({ command: 'kubectl rollout restart deploy/checkout', risk: 'read-only' })] }), { readOnly: true })).toBe(
      'the instruction asks for read-only steps, but steps[1] is mutating by the command rules',
    );
  });

  it('is refused with paths only: nothing of the reply travels in the message', () => {
    const secret = 'password=hunter2 at db-7.internal';
    for (const content of [reply({ title: { secret } }), reply({ steps: [step({ targetType: secret })] }), reply({ steps: [step({ risk: secret })] }), `${secret} {`]) {
      expect(refusal(content)).not.toMatch(/hunter2|db-7/);
    }
  });
});

describe('the reply schema', () => {
  it('asks for exactly what the validation reads, with the known target types and risks', () => {
    const item = RUNBOOK_RESPONSE_SCHEMA.properties.steps.items;
    expect([...RUNBOOK_RESPONSE_SCHEMA.required]).toEqual(Object.keys(RUNBOOK_RESPONSE_SCHEMA.properties));
    expect([...item.required]).toEqual(Object.keys(item.properties));
    expect(item.properties.targetType.enum).toEqual([...TARGET_TYPES]);
    expect(item.properties.risk.enum).toEqual([...STEP_RISKS]);
  });
});

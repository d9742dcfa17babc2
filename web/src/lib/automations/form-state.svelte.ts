// The add form and the in-place edit forms of a list page (schedules, event rules): which refusal belongs to which
// form, what was typed into it, which item is being edited, and where the keyboard goes when its form closes.
import { tick } from 'svelte';

type Kind = 'create' | 'update';

/** What the page's actions answer when the API refuses (schedules/triggers.ts `failure`). */
interface Refusal {
  kind: string;
  id?: string;
  error: string;
  fields?: Record<string, string>;
  values?: Record<string, string>;
}

export interface Choice {
  id: string;
  label: string;
}

export function createFormState(getForm: () => unknown) {
  /** A refusal the user cancelled out of: its typed values and messages are not shown again. */
  let dismissed = $state.raw<unknown>(null);
  /** The item being changed in place. */
  let editing = $state<string | null>(null);

  /** The answer to this form's last submission (create, or update of this item), if it was refused. */
  const refused = (kind: Kind, id?: string): Refusal | null => {
    const form = getForm() as Partial<Refusal> | null | undefined;
    if (!form || form === dismissed || form.kind !== kind || typeof form.error !== 'string') return null;
    return kind === 'create' || form.id === id ? (form as Refusal) : null;
  };

  return {
    get editing() {
      return editing;
    },
    edit(id: string) {
      editing = id;
    },
    /** Closes the in-place form and gives the keyboard back to the item's Edit button (`edit-<id>`). */
    async close() {
      const id = editing;
      editing = null;
      await tick();
      if (id) document.getElementById(`edit-${id}`)?.focus();
    },
    /** Cancel: the last refusal is forgotten. */
    dismiss() {
      dismissed = getForm();
    },
    /** What was typed before a refusal, else the item's own values (or the defaults of a new one). */
    valueOf: (kind: Kind, own: Record<string, string>, id?: string) => (name: string) => (refused(kind, id)?.values ?? own)[name] ?? '',
    errorOf: (kind: Kind, id?: string) => (name: string) => refused(kind, id)?.fields?.[name],
    formErrorOf(kind: Kind, id?: string): string | undefined {
      const r = refused(kind, id);
      if (!r) return undefined;
      return r.fields && Object.keys(r.fields).length ? 'Please correct the marked field.' : r.error;
    },
  };
}

/** A picker's choices with the item's own choice added when the loaded page of choices leaves it out. */
export function withChoice(choices: Choice[], id: string, label: string | null): Choice[] {
  return label && !choices.some((c) => c.id === id) ? [...choices, { id, label }] : choices;
}

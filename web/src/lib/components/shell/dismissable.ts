// A Svelte action for disclosure panels (menus, the account switcher): they close on Escape, on a click elsewhere
// and when keyboard focus leaves them, as people expect from a menu.
import type { Action } from 'svelte/action';

export const dismissable: Action<HTMLElement, (reason: 'escape' | 'outside') => void> = (node, close) => {
  let current = close;
  const onPointer = (event: PointerEvent) => {
    if (!node.contains(event.target as Node)) current('outside');
  };
  const onKey = (event: KeyboardEvent) => {
    if (event.key === 'Escape') current('escape');
  };
  const onFocusOut = (event: FocusEvent) => {
    // relatedTarget is null when focus leaves the page (another window): not a reason to close.
    if (event.relatedTarget instanceof Node && !node.contains(event.relatedTarget)) current('outside');
  };
  document.addEventListener('pointerdown', onPointer);
  node.addEventListener('keydown', onKey);
  node.addEventListener('focusout', onFocusOut);
  return {
    update(next) {
      current = next;
    },
    destroy() {
      document.removeEventListener('pointerdown', onPointer);
      node.removeEventListener('keydown', onKey);
      node.removeEventListener('focusout', onFocusOut);
    },
  };
};

// Deterministic cluster ids: a cluster is named by a hash of what anchors it, never by a random or sequential number.

/** 64 bits of FNV-1a (two 32-bit lanes with different offsets), as 16 hex digits: stable across runs and machines. */
export function hashText(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/** The id a cluster gets the first time it is seen: a hash of its representative template. */
export function anchoredClusterId(anchorTemplate: string): string {
  return `c-${hashText(`template\n${anchorTemplate}`).slice(0, 12)}`;
}

/** The cluster that a split by template creates, the same on every recluster. */
export function splitClusterId(clusterId: string, template: string): string {
  return `c-${hashText(`split\n${clusterId}\n${template}`).slice(0, 12)}`;
}

/** The cluster of its own that an incident marked "not this pattern" moves to. */
export function excludedClusterId(clusterId: string, incidentId: string): string {
  return `c-${hashText(`not-this-pattern\n${clusterId}\n${incidentId}`).slice(0, 12)}`;
}

/** `base`, or `base-2`, `base-3`, ... whichever is not taken yet. */
export function uniqueClusterId(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const id = `${base}-${n}`;
    if (!taken.has(id)) return id;
  }
}

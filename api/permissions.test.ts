import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { can, isRouteAccess, mayGrant, PERMISSIONS, renderMatrix, ROLES, type Permission } from './permissions.ts';

describe('permission matrix', () => {
  it('gives every higher role all permissions of a lower one', () => {
    for (const p of Object.keys(PERMISSIONS) as Permission[]) {
      for (const [i, lower] of [...ROLES].reverse().entries()) {
        const higher = [...ROLES].reverse().slice(i + 1);
        if (can(lower, p)) for (const h of higher) expect(can(h, p), `${h} lacks ${p} that ${lower} has`).toBe(true);
      }
    }
  });

  it('lets viewers read and nothing else', () => {
    expect(can('viewer', 'jobs:read')).toBe(true);
    expect(can('viewer', 'jobs:run')).toBe(false);
    expect(can('viewer', 'jobs:cancel')).toBe(false);
  });

  it('never lets anyone grant a role above their own', () => {
    expect(mayGrant('admin', 'owner')).toBe(false);
    expect(mayGrant('responder', 'admin')).toBe(false);
    expect(mayGrant('owner', 'owner')).toBe(true);
    expect(mayGrant('admin', 'admin')).toBe(true);
  });

  it('accepts only known permissions or public as route access', () => {
    expect(isRouteAccess('public')).toBe(true);
    expect(isRouteAccess('jobs:read')).toBe(true);
    expect(isRouteAccess('jobs:everything')).toBe(false);
    expect(isRouteAccess(undefined)).toBe(false);
  });

  it('is documented exactly as enforced in docs/permissions.md', () => {
    const doc = readFileSync(new URL('../docs/permissions.md', import.meta.url), 'utf8');
    expect(doc, 'run `npm run docs:permissions`').toContain(renderMatrix());
  });
});

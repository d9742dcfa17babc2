import { describe, expect, it } from 'vitest';
import { isActive, navItems } from './nav';

const active = (path: string, role: 'owner' | 'viewer' = 'owner') => navItems(role).filter((item) => isActive(item, path)).map((item) => item.label);

describe('shell navigation', () => {
  it('marks exactly one section active for each page of the product', () => {
    expect(active('/')).toEqual(['Dashboard']);
    expect(active('/incidents/42')).toEqual(['Incidents']);
    expect(active('/members')).toEqual(['Settings']);
    expect(active('/health')).toEqual(['Settings']);
    expect(active('/jobs/abc')).toEqual(['Settings']);
    expect(active('/support/7')).toEqual(['Help']);
    expect(active('/help/architecture')).toEqual(['Help']);
    expect(active('/runbooks/drafts/abc')).toEqual(['Runbooks']);
    expect(active('/automations/runs/abc')).toEqual(['Automations']);
    expect(active('/automations/targets')).toEqual(['Automations']);
    expect(active('/settings/llm')).toEqual(['Settings']);
  });

  it('does not take a path that only starts with the same letters for a section', () => {
    expect(active('/incidents-archive')).toEqual([]);
    expect(active('/settingsx')).toEqual([]);
  });

  it('shows the audit log to owners and admins only, and leaves out what is not built yet', () => {
    expect(navItems('owner').map((i) => i.label)).toEqual(['Dashboard', 'Incidents', 'Clusters', 'Runbooks', 'Automations', 'Search', 'Integrations', 'Audit log', 'Settings', 'Help']);
    expect(navItems('viewer').map((i) => i.label)).not.toContain('Audit log');
  });
});

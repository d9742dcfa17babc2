// Containers: docker and docker compose.
import { describe, expect, it } from 'vitest';
import { classifyCommand } from './index.ts';

const risk = (command: string, target?: Parameters<typeof classifyCommand>[1]) => classifyCommand(command, target).risk;

describe('containers', () => {
  it.each([
    'docker rm -f web',
    'docker rmi nginx:1.25',
    'docker system prune -af',
    'docker volume prune',
    'docker compose down -v',
  ])('calls `%s` destructive', (command) => {
    const result = classifyCommand(command);
    expect(result.risk).toBe('destructive');
    expect(result.reasons.length).toBeGreaterThan(0);
  });

  it.each([
    'docker restart web',
    'docker compose up -d',
  ])('calls `%s` mutating', (command) => {
    expect(risk(command)).toBe('mutating');
  });

  it.each([
    'docker ps -a',
    'docker logs --tail 100 web',
  ])('calls `%s` read-only', (command) => {
    expect(risk(command)).toBe('read-only');
  });
});

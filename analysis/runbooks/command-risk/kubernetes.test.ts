// Kubernetes: kubectl and helm.
import { describe, expect, it } from 'vitest';
import { classifyCommand } from './index.ts';

const risk = (command: string, target?: Parameters<typeof classifyCommand>[1]) => classifyCommand(command, target).risk;

describe('kubectl and helm', () => {
  it.each([
    'kubectl delete pod api-7d4b9c8f5-x2k9p -n prod',
    'kubectl -n prod delete deployment api',
    'kubectl drain ip-10-0-0-1 --ignore-daemonsets',
    'kubectl scale deploy/api --replicas=0',
    'kubectl scale deploy/api --replicas 0',
    'helm uninstall payments -n prod',
  ])('calls `%s` destructive', (command) => {
    const result = classifyCommand(command);
    expect(result.risk).toBe('destructive');
    expect(result.reasons.length).toBeGreaterThan(0);
  });

  it.each([
    'kubectl rollout restart deployment/api',
    'kubectl apply -f deploy.yaml',
    'kubectl cordon ip-10-0-0-1',
    'kubectl scale deploy/api --replicas=3',
    'kubectl edit configmap app',
    'helm upgrade payments ./chart',
  ])('calls `%s` mutating', (command) => {
    expect(risk(command)).toBe('mutating');
  });

  it.each([
    'kubectl get pods -n prod -o wide',
    'kubectl -n prod describe pod api-7d4b9c8f5-x2k9p',
    'kubectl logs deploy/api --tail=200 -f',
    'kubectl top nodes',
    'kubectl rollout status deployment/api',
    'kubectl delete pod api-1 --dry-run=client',
    'helm list -A',
  ])('calls `%s` read-only', (command) => {
    expect(risk(command)).toBe('read-only');
  });
});

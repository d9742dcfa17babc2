// The shell: redirections, pipelines and lists, and commands nested in others (substitutions, bash -c, ssh, exec).
import { describe, expect, it } from 'vitest';
import { classifyCommand } from './index.ts';

const risk = (command: string, target?: Parameters<typeof classifyCommand>[1]) => classifyCommand(command, target).risk;

describe('the shell', () => {
  it.each([
    'echo hi > /dev/sda',
  ])('calls `%s` destructive', (command) => {
    const result = classifyCommand(command);
    expect(result.risk).toBe('destructive');
    expect(result.reasons.length).toBeGreaterThan(0);
  });

  it.each([
    'echo "vm.swappiness=10" >> /etc/sysctl.conf',
    'sudo -i',
    'kubectl get pod x -o yaml > /tmp/pod.yaml',
    'echo 3 > /proc/sys/vm/drop_caches',
  ])('calls `%s` mutating', (command) => {
    expect(risk(command)).toBe('mutating');
  });

  it.each([
    'journalctl -u nginx --since "1 hour ago" | tail -n 100',
    'cat /var/log/syslog | grep -i error | tail -50',
    'top -bn1 | head -20',
    'ps aux --sort=-%cpu | head',
    'curl -s http://localhost:8080/health | jq .status',
    'dmesg -T | tail',
    'sudo lsof -i :5432',
    'watch -n 5 kubectl get pods',
    'timeout 10 curl -s https://example.com/health',
    'openssl s_client -connect example.com:443 </dev/null 2>/dev/null | openssl x509 -noout -dates',
    'for i in $(seq 1 5); do curl -s -o /dev/null -w "%{http_code}" https://x; done',
  ])('calls `%s` read-only', (command) => {
    expect(risk(command)).toBe('read-only');
  });

  it('lets the most severe part of a pipeline or list win', () => {
    expect(risk('kubectl get pods | grep Evicted | awk \'{print $1}\' | xargs kubectl delete pod')).toBe('destructive');
    expect(risk('df -h && rm -rf /var/log/old')).toBe('destructive');
    expect(risk('uptime; systemctl restart nginx')).toBe('mutating');
    expect(risk('(cd /tmp && ls)')).toBe('read-only');
    expect(risk('(cd /var/lib && rm -rf docker)')).toBe('destructive');
    expect(risk('free -m || reboot')).toBe('destructive');
  });

  it('reports the reasons of the most severe part only', () => {
    const result = classifyCommand('kubectl get pods && kubectl delete pod api-1');
    expect(result.risk).toBe('destructive');
    expect(result.reasons).toEqual(['`kubectl delete` deletes resources']);
  });

  it('looks inside command substitutions, bash -c, ssh and eval', () => {
    expect(risk('echo $(rm -rf /tmp/x)')).toBe('destructive');
    expect(risk('echo "pods: `kubectl delete pods --all`"')).toBe('destructive');
    expect(risk('kubectl get pods $(echo -n prod)')).toBe('read-only');
    expect(risk("bash -c 'systemctl stop nginx'")).toBe('destructive');
    expect(risk('sh -c "df -h"')).toBe('read-only');
    expect(risk('ssh -i key.pem ec2-user@10.0.0.1 "sudo reboot"')).toBe('destructive');
    expect(risk('ssh bastion uptime')).toBe('read-only');
    expect(risk('eval "kubectl drain node-1"')).toBe('destructive');
  });

  it('judges the command that kubectl exec and docker exec run', () => {
    expect(risk('kubectl exec -it api-0 -n prod -- cat /etc/hosts')).toBe('read-only');
    expect(risk('kubectl exec api-0 -- rm -rf /data')).toBe('destructive');
    expect(risk('kubectl exec -n db postgres-0 -- psql -U app -c "DROP TABLE sessions"')).toBe('destructive');
    expect(risk('kubectl exec api-0 ls')).toBe('mutating');
    expect(risk('docker exec -it -u postgres db psql -c "SELECT 1"')).toBe('read-only');
    expect(risk('docker exec web rm /tmp/lock')).toBe('destructive');
  });
});

// The Unix tools: deleting, overwriting, killing, firewall and network changes, and what only reads.
import { describe, expect, it } from 'vitest';
import { classifyCommand } from './index.ts';

const risk = (command: string, target?: Parameters<typeof classifyCommand>[1]) => classifyCommand(command, target).risk;

describe('Unix tools', () => {
  it.each([
    'rm -rf /var/lib/postgresql/data',
    'rm -r /tmp/cache',
    'rm /var/run/app.pid',
    'dd if=/dev/zero of=/dev/sda bs=1M',
    'mkfs.ext4 /dev/xvdf',
    'shred -u secrets.txt',
    'truncate -s 0 /var/log/syslog',
    'reboot',
    'shutdown -h now',
    'halt',
    'kill -9 1234',
    'kill -KILL 1234',
    'pkill -f gunicorn',
    'killall java',
    'find /var/log -name "*.gz" -delete',
    'find /tmp -type f -exec rm {} \\;',
    'crontab -r',
    'iptables -F',
    'rsync -a --delete src/ dst/',
  ])('calls `%s` destructive', (command) => {
    const result = classifyCommand(command);
    expect(result.risk).toBe('destructive');
    expect(result.reasons.length).toBeGreaterThan(0);
  });

  it.each([
    'kill 1234',
    'sed -i s/a/b/ /etc/app.conf',
    'apt-get install -y htop',
    'chmod 600 /etc/ssl/private/key.pem',
  ])('calls `%s` mutating', (command) => {
    expect(risk(command)).toBe('mutating');
  });

  it.each([
    'df -h',
    'free -m',
    'dig +short api.example.com',
    'ss -tlnp',
    'ip addr show',
  ])('calls `%s` read-only', (command) => {
    expect(risk(command)).toBe('read-only');
  });
});

// Reading a command line: wrappers and assignments taken off, quoting, odd input.
import { describe, expect, it } from 'vitest';
import { classifyCommand } from './index.ts';

const risk = (command: string, target?: Parameters<typeof classifyCommand>[1]) => classifyCommand(command, target).risk;

describe('reading a command line', () => {
  it('strips sudo, env prefixes and wrappers before judging the program', () => {
    expect(risk('sudo -u postgres rm -rf /data')).toBe('destructive');
    expect(risk('KUBECONFIG=~/.kube/prod kubectl get nodes')).toBe('read-only');
    expect(risk('env -i PATH=/usr/bin AWS_PROFILE=prod aws ec2 terminate-instances --instance-ids i-1')).toBe('destructive');
    expect(risk('sudo systemctl status nginx')).toBe('read-only');
    expect(risk('nohup /usr/bin/rm -r /srv/cache &')).toBe('destructive');
    expect(risk('timeout 30s kubectl delete ns staging')).toBe('destructive');
  });

  it('quoting keeps an argument whole and is not fooled by words inside it', () => {
    expect(risk('grep "rm -rf" /var/log/auth.log')).toBe('read-only');
    expect(risk("echo 'kubectl delete pod x; reboot'")).toBe('read-only');
    expect(risk('psql -c "SELECT \'DROP TABLE x\' AS text"')).toBe('read-only');
  });

  it('survives odd input', () => {
    expect(risk('')).toBe('read-only');
    expect(risk('   ')).toBe('read-only');
    expect(risk('echo "unterminated')).toBe('read-only');
    expect(risk('ls 2>&1 | tee /dev/null')).toBe('read-only');
    expect(risk('# just a comment')).toBe('read-only');
    expect(risk('for p in a b; do kubectl delete pod $p; done')).toBe('destructive');
  });
});

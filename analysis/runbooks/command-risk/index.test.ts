import { describe, expect, it } from 'vitest';
import { classifyCommand, classifySql, escalate, maxRisk } from './index.ts';

const risk = (command: string, target?: Parameters<typeof classifyCommand>[1]) => classifyCommand(command, target).risk;

describe('classifyCommand', () => {
  it.each([
    'rm -rf /var/lib/postgresql/data',
    'rm -r /tmp/cache',
    'rm /var/run/app.pid',
    'dd if=/dev/zero of=/dev/sda bs=1M',
    'mkfs.ext4 /dev/xvdf',
    'shred -u secrets.txt',
    'truncate -s 0 /var/log/syslog',
    'kubectl delete pod api-7d4b9c8f5-x2k9p -n prod',
    'kubectl -n prod delete deployment api',
    'kubectl drain ip-10-0-0-1 --ignore-daemonsets',
    'kubectl scale deploy/api --replicas=0',
    'kubectl scale deploy/api --replicas 0',
    'helm uninstall payments -n prod',
    'terraform destroy -auto-approve',
    'terraform apply -destroy',
    'aws ec2 terminate-instances --instance-ids i-0abc',
    'aws --region eu-west-1 rds delete-db-instance --db-instance-identifier db1',
    'aws s3 rm s3://bucket/logs --recursive',
    'aws s3 rb s3://bucket --force',
    'aws dynamodb delete-table --table-name orders',
    'systemctl stop nginx',
    'systemctl mask postgresql',
    'systemctl disable --now nginx',
    'reboot',
    'shutdown -h now',
    'halt',
    'kill -9 1234',
    'kill -KILL 1234',
    'pkill -f gunicorn',
    'killall java',
    'git push --force origin main',
    'git push -f',
    'git reset --hard HEAD~3',
    'docker rm -f web',
    'docker rmi nginx:1.25',
    'docker system prune -af',
    'docker volume prune',
    'redis-cli FLUSHALL',
    'redis-cli -h cache.internal -p 6379 flushdb',
    'find /var/log -name "*.gz" -delete',
    'find /tmp -type f -exec rm {} \\;',
    'crontab -r',
    'journalctl --vacuum-time=2d',
    'iptables -F',
    'curl -X DELETE https://api.example.com/v1/orders/7',
    'echo hi > /dev/sda',
    'rsync -a --delete src/ dst/',
    'vault kv destroy -versions=1 secret/app',
    'az vm delete -g rg -n vm',
    'docker compose down -v',
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
    'terraform apply',
    'terraform import aws_instance.web i-123',
    'aws ec2 stop-instances --instance-ids i-0abc',
    'aws s3 cp report.csv s3://bucket/',
    'aws autoscaling set-desired-capacity --auto-scaling-group-name asg --desired-capacity 4',
    'systemctl restart nginx',
    'systemctl reload nginx',
    'systemctl disable nginx',
    'systemctl daemon-reload',
    'service nginx restart',
    'kill 1234',
    'git push origin main',
    'docker restart web',
    'docker compose up -d',
    'redis-cli DEL session:42',
    'redis-cli CONFIG SET maxmemory 2gb',
    'sed -i s/a/b/ /etc/app.conf',
    'echo "vm.swappiness=10" >> /etc/sysctl.conf',
    'curl -X POST https://api.example.com/v1/jobs',
    'curl -d "a=1" https://api.example.com/v1/jobs',
    'apt-get install -y htop',
    'chmod 600 /etc/ssl/private/key.pem',
    'sudo -i',
    'kubectl get pod x -o yaml > /tmp/pod.yaml',
    'echo 3 > /proc/sys/vm/drop_caches',
    'PGPASSWORD=$PW psql -h db -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE state = \'idle\'"',
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
    'aws ec2 describe-instances --filters Name=tag:Name,Values=web',
    'aws logs filter-log-events --log-group-name /aws/lambda/x',
    'aws s3 ls s3://bucket/',
    'aws sts get-caller-identity',
    'aws --profile prod rds describe-db-instances',
    'systemctl status nginx',
    'systemctl is-active nginx',
    'journalctl -u nginx --since "1 hour ago" | tail -n 100',
    'cat /var/log/syslog | grep -i error | tail -50',
    'df -h',
    'free -m',
    'top -bn1 | head -20',
    'ps aux --sort=-%cpu | head',
    'curl -I https://example.com',
    'curl -s http://localhost:8080/health | jq .status',
    'dig +short api.example.com',
    'helm list -A',
    'terraform plan',
    'git log --oneline -5',
    'docker ps -a',
    'docker logs --tail 100 web',
    'redis-cli INFO memory',
    'redis-cli --bigkeys',
    'ss -tlnp',
    'ip addr show',
    'dmesg -T | tail',
    'sudo lsof -i :5432',
    'watch -n 5 kubectl get pods',
    'timeout 10 curl -s https://example.com/health',
    'vault kv get secret/app',
    'gcloud compute instances list',
    'openssl s_client -connect example.com:443 </dev/null 2>/dev/null | openssl x509 -noout -dates',
    'redis-cli -a "$REDIS_PASSWORD" --no-auth-warning info replication',
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

  it('strips sudo, env prefixes and wrappers before judging the program', () => {
    expect(risk('sudo -u postgres rm -rf /data')).toBe('destructive');
    expect(risk('KUBECONFIG=~/.kube/prod kubectl get nodes')).toBe('read-only');
    expect(risk('env -i PATH=/usr/bin AWS_PROFILE=prod aws ec2 terminate-instances --instance-ids i-1')).toBe('destructive');
    expect(risk('sudo systemctl status nginx')).toBe('read-only');
    expect(risk('nohup /usr/bin/rm -r /srv/cache &')).toBe('destructive');
    expect(risk('timeout 30s kubectl delete ns staging')).toBe('destructive');
  });

  it('judges the command that kubectl exec and docker exec run', () => {
    expect(risk('kubectl exec -it api-0 -n prod -- cat /etc/hosts')).toBe('read-only');
    expect(risk('kubectl exec api-0 -- rm -rf /data')).toBe('destructive');
    expect(risk('kubectl exec -n db postgres-0 -- psql -U app -c "DROP TABLE sessions"')).toBe('destructive');
    expect(risk('kubectl exec api-0 ls')).toBe('mutating');
    expect(risk('docker exec -it -u postgres db psql -c "SELECT 1"')).toBe('read-only');
    expect(risk('docker exec web rm /tmp/lock')).toBe('destructive');
  });

  it('quoting keeps an argument whole and is not fooled by words inside it', () => {
    expect(risk('grep "rm -rf" /var/log/auth.log')).toBe('read-only');
    expect(risk("echo 'kubectl delete pod x; reboot'")).toBe('read-only');
    expect(risk('psql -c "SELECT \'DROP TABLE x\' AS text"')).toBe('read-only');
  });

  it('classifies SQL passed to database clients', () => {
    expect(risk('psql -h db -U app -c "SELECT count(*) FROM orders"')).toBe('read-only');
    expect(risk("psql -c 'drop table sessions'")).toBe('destructive');
    expect(risk('psql --command="DELETE FROM sessions WHERE expires_at < now()"')).toBe('mutating');
    expect(risk('psql -c "delete from sessions"')).toBe('destructive');
    expect(risk('mysql -u root -e "TRUNCATE TABLE audit_log"')).toBe('destructive');
    expect(risk('sqlite3 app.db "select * from jobs"')).toBe('read-only');
    expect(risk('echo "DROP DATABASE app" | psql')).toBe('destructive');
    expect(risk('psql -U app <<SQL\nSELECT 1;\nDELETE FROM jobs;\nSQL')).toBe('destructive');
    expect(risk('psql -U app')).toBe('mutating');
  });

  it('treats a bare SQL statement as SQL, with or without the sql target type', () => {
    expect(risk('SELECT * FROM pg_stat_activity WHERE state = \'active\'')).toBe('read-only');
    expect(risk('select pid from pg_locks', 'sql')).toBe('read-only');
    expect(risk('UPDATE users SET locked = false WHERE id = 7', 'sql')).toBe('mutating');
    expect(risk('DROP INDEX idx_orders_created', 'sql')).toBe('destructive');
  });

  it('completes a command that omits the tool its target type names', () => {
    expect(risk('get pods -n prod', 'kubectl')).toBe('read-only');
    expect(risk('delete pod api-0', 'kubectl')).toBe('destructive');
    expect(risk('ec2 describe-instances', 'aws')).toBe('read-only');
    expect(risk('restart nginx', 'systemctl')).toBe('mutating');
    expect(risk('GET /api/health', 'http')).toBe('read-only');
    expect(risk('DELETE /api/cache', 'http')).toBe('destructive');
    expect(risk('POST /api/jobs', 'http')).toBe('mutating');
  });

  it('assumes an unknown command is mutating, and says why', () => {
    const result = classifyCommand('frobnicate --all');
    expect(result.risk).toBe('mutating');
    expect(result.reasons[0]).toMatch(/unknown command `frobnicate`/);
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

describe('classifySql', () => {
  it.each([
    ['DROP TABLE orders', 'destructive'],
    ['truncate audit_log', 'destructive'],
    ['DELETE FROM sessions', 'destructive'],
    ['DELETE FROM sessions WHERE 1=1', 'destructive'],
    ['DELETE FROM sessions WHERE created_at < now() - interval \'30 days\'', 'mutating'],
    ['UPDATE accounts SET plan = \'free\'', 'destructive'],
    ['update accounts set plan = \'free\' where id = 3', 'mutating'],
    ['INSERT INTO jobs (name) VALUES (\'x\')', 'mutating'],
    ['ALTER TABLE orders ADD COLUMN note text', 'mutating'],
    ['ALTER TABLE orders DROP COLUMN note', 'destructive'],
    ['CREATE INDEX CONCURRENTLY idx ON orders (created_at)', 'mutating'],
    ['VACUUM ANALYZE orders', 'mutating'],
    ['SELECT pg_terminate_backend(1234)', 'mutating'],
    ['SELECT * FROM orders FOR UPDATE', 'mutating'],
    ['SELECT * FROM pg_stat_activity', 'read-only'],
    ['EXPLAIN SELECT * FROM orders', 'read-only'],
    ['EXPLAIN ANALYZE DELETE FROM orders', 'destructive'],
    ['SHOW max_connections', 'read-only'],
    ['WITH t AS (SELECT 1) SELECT * FROM t', 'read-only'],
    ['WITH gone AS (DELETE FROM jobs WHERE done RETURNING id) SELECT count(*) FROM gone', 'mutating'],
    ['SELECT 1; DROP TABLE x;', 'destructive'],
    ['-- DROP TABLE x\nSELECT 1', 'read-only'],
    ['SELECT \'; DROP TABLE x\'', 'read-only'],
    ['\\dt+', 'read-only'],
    ['FROBNICATE orders', 'mutating'],
  ] as const)('classifies `%s` as %s', (sql, expected) => {
    expect(classifySql(sql).risk).toBe(expected);
  });
});

describe('maxRisk and escalate', () => {
  it('orders risks read-only < mutating < destructive', () => {
    expect(maxRisk('read-only', 'mutating')).toBe('mutating');
    expect(maxRisk('destructive', 'mutating')).toBe('destructive');
    expect(maxRisk('read-only', 'read-only')).toBe('read-only');
  });

  it('raises a risk the model understated and keeps one it overstated', () => {
    expect(escalate('read-only', 'kubectl delete pod api-0')).toBe('destructive');
    expect(escalate('mutating', 'kubectl get pods')).toBe('mutating');
    expect(escalate('read-only', 'kubectl get pods')).toBe('read-only');
    expect(escalate('read-only', 'DELETE FROM t', 'sql')).toBe('destructive');
  });
});

// Cloud and infrastructure CLIs: aws, gcloud, az, terraform, vault.
import { describe, expect, it } from 'vitest';
import { classifyCommand } from './index.ts';

const risk = (command: string, target?: Parameters<typeof classifyCommand>[1]) => classifyCommand(command, target).risk;

describe('cloud CLIs', () => {
  it.each([
    'terraform destroy -auto-approve',
    'terraform apply -destroy',
    'aws ec2 terminate-instances --instance-ids i-0abc',
    'aws --region eu-west-1 rds delete-db-instance --db-instance-identifier db1',
    'aws s3 rm s3://bucket/logs --recursive',
    'aws s3 rb s3://bucket --force',
    'aws dynamodb delete-table --table-name orders',
    'vault kv destroy -versions=1 secret/app',
    'az vm delete -g rg -n vm',
  ])('calls `%s` destructive', (command) => {
    const result = classifyCommand(command);
    expect(result.risk).toBe('destructive');
    expect(result.reasons.length).toBeGreaterThan(0);
  });

  it.each([
    'terraform apply',
    'terraform import aws_instance.web i-123',
    'aws ec2 stop-instances --instance-ids i-0abc',
    'aws s3 cp report.csv s3://bucket/',
    'aws autoscaling set-desired-capacity --auto-scaling-group-name asg --desired-capacity 4',
  ])('calls `%s` mutating', (command) => {
    expect(risk(command)).toBe('mutating');
  });

  it.each([
    'aws ec2 describe-instances --filters Name=tag:Name,Values=web',
    'aws logs filter-log-events --log-group-name /aws/lambda/x',
    'aws s3 ls s3://bucket/',
    'aws sts get-caller-identity',
    'aws --profile prod rds describe-db-instances',
    'terraform plan',
    'vault kv get secret/app',
    'gcloud compute instances list',
  ])('calls `%s` read-only', (command) => {
    expect(risk(command)).toBe('read-only');
  });
});

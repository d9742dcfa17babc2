// Entity pools and measures for the incident-title generator: hosts, pods, queues, buckets, percentages... Many
// names have no digit in them (`orders`, `payment-events`), which is what an engine must learn to treat as parameters.
import type { Area, HostRole, Random } from './model.ts';

const SERVICES = [
  'payments-api', 'checkout', 'search', 'orders', 'inventory', 'user-profile', 'notifications', 'billing', 'auth',
  'gateway', 'catalog', 'shipping', 'recommendations', 'email-sender', 'fraud-detector', 'ledger', 'pricing',
  'cart', 'media-upload', 'reporting', 'webhooks', 'subscriptions', 'identity', 'storefront',
];
const NAMESPACES = ['prod', 'payments', 'checkout', 'default', 'platform', 'search', 'data', 'web', 'backend', 'integrations'];
const CLUSTERS = ['prod-eu-1', 'prod-us-east', 'k8s-prod', 'gke-main', 'aks-prod-weu', 'eks-prod-use1'];
const AWS_REGIONS: ReadonlyArray<readonly [string, string]> = [
  ['us-east-1', 'US East (N. Virginia)'],
  ['us-east-1', 'US East (N. Virginia)'],
  ['us-west-2', 'US West (Oregon)'],
  ['eu-west-1', 'EU (Ireland)'],
  ['eu-central-1', 'EU (Frankfurt)'],
  ['ap-southeast-2', 'Asia Pacific (Sydney)'],
];
const GCP_REGIONS = ['europe-west4', 'us-central1', 'europe-west1', 'asia-southeast1'];
const DATABASES = ['orders', 'payments', 'users', 'ledger', 'analytics', 'inventory', 'sessions', 'billing', 'catalog'];
const TOPICS = ['orders', 'payment-events', 'user-signups', 'inventory-updates', 'clickstream', 'audit-log', 'email_outbound', 'shipments', 'invoices'];
const CONSUMER_GROUPS = ['orders-consumer', 'billing-service', 'search-indexer', 'fraud-scoring', 'analytics-loader', 'notification-dispatcher', 'ledger-writer', 'warehouse-sync'];
const QUEUES = ['orders', 'email_outbound', 'payment-events', 'invoice-jobs', 'image-resize', 'webhook-deliveries', 'exports', 'sms_outbound', 'refunds'];
const SQS_QUEUES = ['order-events', 'email-outbound', 'invoice-jobs', 'thumbnail-requests', 'webhook-retries', 'ledger-entries', 'stripe-events'];
const DLQS = ['orders-dlq', 'payment-events.dlq', 'email_outbound_dead_letter', 'webhook-retries-dlq', 'invoice-jobs-deadletter', 'stripe-events-dlq'];
const ES_CLUSTERS = ['logs-prod', 'search-prod', 'es-main', 'observability', 'product-search'];
const ES_INDICES = ['products', 'orders-2025.06', 'logs-app-000123', 'customers', 'audit'];
const DOMAINS = ['api.example.com', 'checkout.example.com', 'www.example.com', 'auth.example.io', 'payments.example.com', 'status.example.com', 'cdn.example.net', 'admin.example.com', 'hooks.example.com'];
const LOAD_BALANCERS = ['prod-public-alb', 'app/prod-api/50dc6c495c0c9188', 'k8s-ingress-nginx-prod', 'internal-services-nlb', 'payments-alb'];
const CDNS = ['E2QWRUHAPOMQZL', 'E1X9KD0PZ7T3AB', 'www-prod', 'static-assets', 'media-cdn'];
const BUCKETS = ['acme-prod-uploads', 'invoices-archive', 'media-assets', 'data-lake-raw', 'customer-exports', 'backups-prod'];
const TABLES = ['sessions', 'orders', 'carts', 'idempotency-keys', 'feature-flags', 'rate-limits', 'user-preferences'];
const FUNCTIONS = ['resize-images', 'stripe-webhook-handler', 'send-email', 'nightly-export', 'process-payments', 'thumbnail-generator', 'auth-token-refresh', 'pdf-renderer'];
const ENDPOINTS = ['/api/v1/orders', '/checkout', '/v2/payments', '/api/v1/search', '/login', '/api/v1/cart/items', '/graphql', '/api/v2/users/me', '/webhooks/stripe'];
const METHODS = ['GET', 'POST', 'GET', 'PUT'];
const MOUNTS = ['/', '/var', '/data', '/var/lib/docker', '/var/log', '/var/lib/postgresql', '/srv', '/home'];
const DEVICES = ['/dev/nvme1n1', '/dev/sda1', '/dev/xvda1', '/dev/mapper/vg0-data', '/dev/nvme0n1p1', '/dev/sdb'];
const CRONS = ['nightly-report', 'invoice-sync', 'cleanup-sessions', 'db-vacuum', 'sitemap-generator', 'currency-rates', 'usage-rollup', 'gdpr-purge'];
const BACKUPS = ['pg-backup-orders', 'mysql-dump-users', 'etcd-snapshot', 'velero-daily', 'rds-snapshot-payments', 'barman-main', 'wal-g-ledger'];
const USERS = ['root', 'admin', 'deploy', 'ubuntu', 'jenkins', 'postgres', 'ec2-user', 'git'];
const PEOPLE = ['j.smith@example.com', 'ana.lopez@example.com', 'k.nguyen@example.com', 'svc-ci@example.com', 'mark@example.com'];
const COUNTRIES = ['RU', 'CN', 'BR', 'NL', 'VN', 'US', 'KP', 'IR'];
const SECRETS = ['stripe-api-key', 'github-deploy-token', 'sendgrid-api-key', 'azure-sp-client-secret', 'datadog-api-key', 'twilio-auth-token', 'oauth-client-secret'];
const PIPELINES = ['deploy-production', 'release', 'cd-prod', 'helm-upgrade', 'argo-sync'];
const FOLDERS: Record<Area, readonly string[]> = {
  hosts: ['Infrastructure', 'Linux', 'SRE'],
  kubernetes: ['Kubernetes', 'Platform'],
  databases: ['Databases', 'Data'],
  caches: ['Databases', 'Caching'],
  queues: ['Messaging', 'Data'],
  search: ['Search', 'Elasticsearch'],
  edge: ['Edge', 'Networking'],
  cloud: ['AWS', 'Cloud'],
  http: ['Services', 'SLOs', 'Payments'],
  deploys: ['Delivery'],
  jobs: ['Batch', 'Operations'],
  security: ['Security'],
};

const K8S_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const HEX = '0123456789abcdef';

export interface Pools {
  entity(role: HostRole, area: Area): Record<string, string>;
  measures(): Record<string, string>;
}

export function createPools(random: Random): Pools {
  const { int, pick, chance } = random;
  const chars = (alphabet: string, n: number) => Array.from({ length: n }, () => alphabet[int(0, alphabet.length - 1)]).join('');
  const ip = () => `10.${int(0, 9)}.${int(0, 255)}.${int(1, 254)}`;
  const ipHost = (address: string) => `ip-${address.replaceAll('.', '-')}`;
  const publicIp = () => `${pick([45, 61, 89, 103, 117, 185, 193, 212])}.${int(1, 254)}.${int(0, 255)}.${int(1, 254)}`;

  function hostName(role: HostRole, address: string): string {
    const n = int(1, 12);
    switch (role) {
      case 'db':
        return pick([`db-${int(1, 6)}`, `pg-main-${int(1, 3)}`, `pg-replica-${int(1, 4)}`, `orders-db-${int(1, 3)}`, ipHost(address), `db0${int(1, 6)}.prod.example.com`]);
      case 'mysql':
        return pick([`mysql-prod-0${int(1, 4)}`, `mysql-${int(1, 5)}`, `db-${int(1, 6)}`, ipHost(address), `mariadb0${int(1, 3)}.prod.example.com`]);
      case 'cache':
        return pick([`redis-${int(1, 6)}`, `cache-0${int(1, 4)}.prod.example.com`, `redis-sessions-${int(0, 2)}`, ipHost(address)]);
      case 'kafka':
        return pick([`kafka-${int(0, 5)}`, `kafka-broker-${int(1, 6)}.prod.internal`, `b-${int(1, 3)}.msk-prod.x7k2qa.c2.kafka.us-east-1.amazonaws.com`]);
      case 'rabbit':
        return pick([`rabbitmq-${int(0, 2)}`, `rabbit@rabbitmq-${int(0, 2)}`, `mq0${int(1, 3)}.prod.example.com`]);
      case 'es':
        return pick([`es-data-${int(0, 8)}`, `es-master-${int(0, 2)}`, `elasticsearch-${int(1, 6)}`, ipHost(address)]);
      case 'k8s-node':
        return pick([
          `${ipHost(address)}.ec2.internal`,
          `gke-main-default-pool-${chars(HEX, 8)}-${chars('abcdefghijklmnopqrstuvwxyz0123456789', 4)}`,
          `aks-nodepool1-${int(10000000, 99999999)}-vmss00000${int(0, 9)}`,
          `${ipHost(address)}.eu-west-1.compute.internal`,
        ]);
      case 'generic':
        return pick([
          `web-${n}`, `web0${int(1, 9)}.prod.example.com`, ipHost(address), `i-0${chars(HEX, 16)}`, `app-server-${n}`,
          `prod-web-0${int(1, 9)}`, `worker-${int(1, 30)}`, `api-${int(1, 8)}.us-east-1.example.internal`, 'bastion', 'jenkins', 'vault',
          'grafana', `batch-${int(1, 4)}`,
        ]);
    }
  }

  function entity(role: HostRole, area: Area): Record<string, string> {
    const address = ip();
    const [region, regionName] = pick(AWS_REGIONS);
    const app = pick(SERVICES);
    const rs = chars(K8S_ALPHABET, pick([9, 10]));
    const sts = pick(['postgres', 'redis', 'kafka', 'elasticsearch-data', 'rabbitmq', 'prometheus-k8s', 'loki']);
    const cron = pick(CRONS);
    const queue = pick(QUEUES);
    const domain = pick(DOMAINS);
    const endpoint = pick(ENDPOINTS);
    const host = hostName(role, address);
    const port = { generic: 9100, db: 9187, mysql: 9104, cache: 9121, kafka: 9308, rabbit: 15692, es: 9114, 'k8s-node': 9100 }[role];
    const shortHost = host.split('.')[0]!;
    const version = `v${int(1, 4)}.${int(0, 30)}.${int(0, 12)}`;
    return {
      host,
      shortHost,
      ip: address,
      instance: chance(0.7) ? `${address}:${port}` : `${shortHost}:${port}`,
      ec2: `i-0${chars(HEX, 16)}`,
      region,
      regionName,
      gcpRegion: pick(GCP_REGIONS),
      cluster: pick(CLUSTERS),
      namespace: pick(NAMESPACES),
      app,
      pod: `${app}-${rs}-${chars(K8S_ALPHABET, 5)}`,
      container: chance(0.6) ? app : pick(['app', 'server', 'worker', 'api', 'sidecar']),
      node: hostName('k8s-node', ip()),
      service: app,
      sts,
      pvc: `data-${sts}-${int(0, 2)}`,
      kjob: `${cron}-${int(28400000, 28499999)}`,
      cronjob: cron,
      cron,
      ksm: `${ip()}:8080`,
      uid: `${chars(HEX, 8)}-${chars(HEX, 4)}-${chars(HEX, 4)}-${chars(HEX, 4)}-${chars(HEX, 12)}`,
      db: pick(DATABASES),
      rds: pick(['payments-prod', 'orders-db-prod', 'users-prod', 'ledger-primary', 'analytics-replica', 'core-db']),
      redis: pick(['redis-sessions', 'cache-main', 'redis-prod-01', 'ratelimit-redis', 'redis-queue']),
      memcached: pick(['memcached-3', 'mc-sessions', 'memcached-main', 'mc-fragments-1']),
      topic: pick(TOPICS),
      group: pick(CONSUMER_GROUPS),
      brokerId: String(int(0, 5)),
      queue,
      vhost: pick(['/', 'prod', 'payments', 'default']),
      sqs: pick(SQS_QUEUES),
      dlq: pick(DLQS),
      esCluster: pick(ES_CLUSTERS),
      index: pick(ES_INDICES),
      domain,
      lb: pick(LOAD_BALANCERS),
      tg: `${app}-tg`,
      cdn: pick(CDNS),
      bucket: pick(BUCKETS),
      table: pick(TABLES),
      fn: pick(FUNCTIONS),
      endpoint,
      method: pick(METHODS),
      url: `https://${domain}${endpoint}`,
      mount: pick(MOUNTS),
      device: pick(DEVICES),
      devname: pick(['nvme1n1', 'sda', 'xvdf', 'nvme0n1', 'sdb', 'dm-2']),
      fstype: pick(['ext4', 'xfs', 'ext4']),
      backup: pick(BACKUPS),
      user: pick(USERS),
      person: pick(PEOPLE),
      srcIp: publicIp(),
      country: pick(COUNTRIES),
      secret: pick(SECRETS),
      version,
      sha: chars(HEX, 7),
      pipeline: pick(PIPELINES),
      build: String(int(1200, 9800)),
      env: pick(['prod', 'prod', 'production']),
      folder: pick(FOLDERS[area]),
      probe: pick(['http_2xx', 'https_2xx', 'tcp_connect', 'icmp']),
      wafRule: pick(['AWSManagedRulesCommonRuleSet', 'SQLi_BODY', 'RateLimit-ByIP', 'CrossSiteScripting_QUERYARGUMENTS', 'AWSManagedRulesKnownBadInputsRuleSet']),
      resolver: pick(['10.0.0.2', '169.254.169.253', 'kube-dns', 'coredns', '8.8.8.8']),
    };
  }

  function measures(): Record<string, string> {
    const pct = int(80, 99);
    return {
      pct: String(pct),
      free: String(int(1, 15)),
      inodeFree: String(int(1, 9)),
      ms: String(int(25, 480)),
      p99: `${int(1, 9)}.${int(0, 9)}s`,
      p99ms: String(int(1200, 9800)),
      sec: String(int(30, 900)),
      lag: String(int(1200, 850000)),
      count: String(int(5, 5000)),
      errRate: `${int(1, 45)}.${int(0, 9)}`,
      days: String(int(1, 28)),
      restarts: String(int(3, 60)),
      conns: String(int(180, 995)),
      n: String(int(2, 5)),
      dur: pick(['5m', '10m', '15m', '30m']),
      fillIn: pick(['4h', '24h', '6h', '12h']),
      load: `${int(4, 48)}.${int(0, 99)}`,
      throttle: String(int(25, 95)),
      heap: String(int(85, 99)),
      shards: String(int(1, 40)),
      attempts: String(int(20, 5000)),
      age: String(int(300, 7200)),
      exitCode: pick(['1', '1', '2', '137', '143']),
      skew: `${int(1, 9)}.${int(0, 99)}`,
      replicas: String(int(2, 8)),
      ready: String(int(0, 1)),
      minutes: String(int(10, 240)),
      total: String(int(40, 900)),
    };
  }

  return { entity, measures };
}

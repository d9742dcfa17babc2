// An operations lexicon: the words incident titles use for one problem, mapped to shared concepts, so that templates
// worded differently by different tools ("NodeFilesystemAlmostOutOfSpace", "Disk usage above 90%", "filesystem will
// fill within 4h") can be compared by what they say rather than by their spelling.
import { stemmer } from 'stemmer';
import { memoize } from './memo.ts';

/**
 * What a concept names. `subject`: the thing in trouble (disk, pod, queue, certificate); `condition`: what is wrong
 * with it (down, errors, latency, saturation). Two templates whose differing concepts are both subjects, or both
 * conditions, name different problems ("Disk latency" / "Disk full", "Pod not ready" / "Node not ready").
 */
export type ConceptKind = 'subject' | 'condition';

interface ConceptEntry {
  id: string;
  kind: ConceptKind;
  /**
   * A generic carrier of problems (a host, a service, a pod, requests): tools name it or leave it out at will
   * ("High CPU" / "High CPU on host"), so it weighs little, and a different carrier alone does not make a different
   * problem.
   */
  carrier?: true;
  /** Single words (any inflection the stemmer folds; irregular forms listed). */
  words?: string;
  /** Multi-word phrases, matched before single words, space-separated words per phrase, `|` between phrases. */
  phrases?: string;
  /** Broader concepts this one implies: "PostgreSQL down" also says "database down". */
  parents?: string;
  /** Its words match as written only, not by stem (`exporter` must not take `export`). */
  exact?: true;
  /**
   * A phrase that names several concepts at once ("node not ready": a Kubernetes node, not ready): it stands for its
   * parents only, never for itself.
   */
  virtual?: true;
}

// Grouped by area; each concept lists the words different tools and people use for it. A word belongs to one concept.
const CONCEPTS: readonly ConceptEntry[] = [
  // Hosts and their resources.
  { id: 'host', kind: 'subject', carrier: true, words: 'host hosts server servers instance instances machine machines vm vms ec2 awsec2 box hypervisor baremetal node nodes', phrases: 'virtual machine' },
  // A Kubernetes node, as its alerts say it ("KubeNodeNotReady"); a bare "node" is a host (node-exporter's alerts).
  { id: 'k8snode', kind: 'subject', words: 'kubelet nodepool', parents: 'host', phrases: 'kube node|kube nodes|k8s node|k8s nodes|kubernetes node|kubernetes nodes|worker node|worker nodes|node pool' },
  { id: 'k8snode-notready', kind: 'condition', virtual: true, parents: 'k8snode notready', phrases: 'node not ready|node notready|nodes not ready|node is not ready|node unready|node is notready|node has been unready|node became unready' },
  { id: 'cpu', kind: 'subject', words: 'cpu cpus processor processors load loadavg loadaverage', phrases: 'load average|load avg|system load|processor time' },
  { id: 'steal', kind: 'condition', words: 'steal stolen' },
  { id: 'memory', kind: 'subject', words: 'memory mem ram rss', phrases: 'out of memory|memory pressure|memory exhausted|cannot allocate memory|low memory|available memory|free memory' },
  { id: 'swap', kind: 'subject', words: 'swap swapping paging' },
  // An out-of-memory kill (an event), as opposed to memory running low (memory's saturation).
  { id: 'oom', kind: 'condition', words: 'oom oomkill oomkilled oomkiller oomkills', parents: 'memory', phrases: 'oom killed|oom killer|oom kill|killed due to memory|killed out of memory|out of memory killed|out of memory kill|memory limit exceeded' },
  { id: 'disk', kind: 'subject', words: 'disk disks filesystem filesystems fs partition partitions mount mountpoint storage', phrases: 'file system|root partition|root volume|ebs volume' },
  { id: 'volume', kind: 'subject', words: 'pvc pvcs pv volume volumes persistentvolume persistentvolumeclaim', phrases: 'persistent volume|volume claim|persistent volume claim' },
  { id: 'inode', kind: 'subject', words: 'inode inodes', phrases: 'out of files|files filling|files filling up|free files|files left|file nodes' },
  { id: 'io', kind: 'subject', words: 'io iops iostat', phrases: 'i o|disk io|disk i o' },
  { id: 'iowait', kind: 'condition', parents: 'disk', words: 'iowait await', phrases: 'disk io wait|disk i o wait|io wait|i o wait|disk wait|io latency|disk latency|read latency|write latency|io saturation' },
  { id: 'network', kind: 'subject', words: 'network networking nic bandwidth packet packets traffic interface interfaces eth0 conntrack vpn tunnel bgp', phrases: 'nat gateway|direct connect|transit gateway|packet loss|dropped packets|packet drops|network interface' },
  { id: 'clock', kind: 'subject', words: 'clock ntp ntpd chrony chronyd timesync', phrases: 'system time|time sync|time synchronization' },
  { id: 'skew', kind: 'condition', words: 'skew skewed drift drifting unsynchronized unsynchronised desync offset', phrases: 'out of sync|not synchronized|not synchronised|not in sync|clock offset|time offset' },
  { id: 'reboot', kind: 'condition', words: 'reboot rebooted rebooting reboots', phrases: 'unexpected restart|restarted unexpectedly' },
  { id: 'fd', kind: 'subject', words: 'fd fds ulimit', phrases: 'file descriptors|file descriptor|open files|too many open files' },
  { id: 'process', kind: 'subject', carrier: true, words: 'process processes daemon daemons systemd', phrases: 'systemd unit|service unit' },

  // Kubernetes.
  { id: 'pod', kind: 'subject', carrier: true, words: 'pod pods container containers replicaset ecs fargate', phrases: 'ecs task|ecs tasks|fargate task' },
  { id: 'crashloop', kind: 'condition', words: 'crashloop crashloopbackoff crashlooping restarting restarts restart restarted', phrases: 'crash loop|crash looping|crash loop backoff|restart loop|keeps restarting|back off restarting|backoff restarting|restarting repeatedly|restarting frequently' },
  { id: 'imagepull', kind: 'condition', words: 'imagepullbackoff errimagepull', phrases: 'image pull|pull image|pulling image|image pull backoff|image pull back off|err image pull|failed to pull|image not found|manifest unknown' },
  { id: 'notready', kind: 'condition', words: 'notready unready readiness', phrases: 'not ready|readiness probe|readiness probe failed|not become ready|never became ready' },
  { id: 'pending', kind: 'condition', words: 'pending unschedulable unscheduled', phrases: 'failed scheduling|failedscheduling|stuck pending|insufficient cpu|insufficient memory' },
  { id: 'mismatch', kind: 'condition', words: 'mismatch mismatched', phrases: 'not matching|does not match|do not match|replicas unavailable|unavailable replicas|fewer replicas|less replicas|not all replicas' },
  { id: 'hpa', kind: 'subject', words: 'hpa hpas autoscaler autoscaling autoscale', phrases: 'horizontal pod autoscaler|pod autoscaler' },
  { id: 'maxed', kind: 'condition', words: 'maxed capped', phrases: 'max replicas|maximum replicas|at max|at maximum|at capacity|reached max|reached maximum|hit max|cannot scale|unable to scale' },
  { id: 'statefulset', kind: 'subject', words: 'statefulset statefulsets sts' },
  { id: 'daemonset', kind: 'subject', words: 'daemonset daemonsets ds' },
  { id: 'namespace', kind: 'subject', carrier: true, words: 'namespace namespaces ns' },
  { id: 'controlplane', kind: 'subject', words: 'etcd apiserver kubeapiserver', phrases: 'kube apiserver|api server|control plane|kube scheduler|controller manager|kube controller manager' },
  { id: 'k8snode-pressure', kind: 'condition', virtual: true, parents: 'k8snode saturation', phrases: 'node pressure|node disk pressure|node memory pressure|node pid pressure' },
  { id: 'disk-pressure', kind: 'condition', virtual: true, parents: 'disk saturation', phrases: 'disk pressure|diskpressure|disk watermark|high disk watermark|flood stage|flood stage watermark' },
  { id: 'pid-pressure', kind: 'condition', virtual: true, parents: 'process saturation', phrases: 'pid pressure|pidpressure|too many processes|pid limit' },

  // Jobs, deploys and backups.
  { id: 'job', kind: 'subject', carrier: true, words: 'job jobs cronjob cronjobs cron crontab batch', phrases: 'scheduled job|scheduled task|cron job|batch job' },
  { id: 'backup', kind: 'subject', words: 'backup backups snapshot snapshots dump dumps pgdump mysqldump barman pgbackrest wal', phrases: 'pg dump|wal archive|wal archiving' },
  { id: 'deploy', kind: 'subject', words: 'deploy deploys deployed deploying deployment deployments rollout rollouts release releases argocd argo flux helm spinnaker canary gitops', phrases: 'roll out|rolled out|deploy pipeline|deployment pipeline' },
  { id: 'rollback', kind: 'condition', words: 'rollback rollbacks revert reverted reverting', phrases: 'rolled back|rolling back|roll back' },
  { id: 'missed', kind: 'condition', words: 'missed overdue stale', phrases: 'did not run|didnt run|not run|has not run|hasnt run|not completed in|not succeeded|no successful|last success|last successful|did not start|did not complete|not completed|never ran|too old|not been run' },

  // Databases.
  { id: 'database', kind: 'subject', words: 'database databases db dbs rdbms sql' },
  { id: 'postgres', kind: 'subject', words: 'postgres postgresql pg psql patroni pgbouncer', parents: 'database' },
  { id: 'mysql', kind: 'subject', words: 'mysql mysqld mariadb innodb galera', parents: 'database' },
  { id: 'mongodb', kind: 'subject', words: 'mongo mongodb mongod', parents: 'database' },
  { id: 'rds', kind: 'subject', words: 'rds awsrds aurora', parents: 'database' },
  { id: 'dynamodb', kind: 'subject', words: 'dynamodb awsdynamodb dynamo ddb', parents: 'database' },
  { id: 'connection', kind: 'subject', words: 'connection connections conn conns connect backends', phrases: 'connection pool|max connections|too many connections|too many clients|connection count|active connections|connection limit' },
  { id: 'query', kind: 'subject', words: 'query queries statement statements' },
  { id: 'slow-query', kind: 'condition', virtual: true, parents: 'query latency', phrases: 'slow query|slow queries|slow query log|slow log|queries slow|query slow|long running query|long running queries' },
  { id: 'transaction', kind: 'subject', words: 'transaction transactions txn txns xact', phrases: 'idle in transaction|long running transaction|long running transactions' },
  { id: 'vacuum', kind: 'subject', words: 'vacuum vacuums autovacuum bloat bloated', phrases: 'xid wraparound|transaction id wraparound|table bloat|index bloat' },
  { id: 'leader', kind: 'condition', phrases: 'no leader|leader election|leader elections|no primary|primary missing|lost quorum|no quorum' },
  { id: 'splitbrain', kind: 'condition', words: 'splitbrain', phrases: 'split brain|network split' },
  { id: 'deadlock', kind: 'condition', words: 'deadlock deadlocks deadlocked', phrases: 'dead lock|dead locks|dead locked|lock wait|lock timeout|lock contention|lock waits' },
  { id: 'replication', kind: 'subject', words: 'replication replica replicas replicated replicating standby standbys slave slaves follower followers', phrases: 'read replica|hot standby|replication slot' },
  { id: 'underreplicated', kind: 'condition', words: 'underreplicated', phrases: 'under replicated|under replication|isr shrink|isr shrinks|out of sync replicas|offline partitions' },

  // Caches.
  { id: 'cache', kind: 'subject', words: 'cache caches caching' },
  { id: 'redis', kind: 'subject', words: 'redis sentinel', parents: 'cache' },
  { id: 'memcached', kind: 'subject', words: 'memcached memcache', parents: 'cache' },
  { id: 'eviction', kind: 'condition', words: 'evict evicts evicted eviction evictions', phrases: 'evicted keys|keys evicted' },
  { id: 'hitrate', kind: 'condition', phrases: 'hit rate|hit ratio|cache misses|miss rate|miss ratio' },

  // Queues and streams.
  { id: 'queue', kind: 'subject', words: 'queue queues queued mq message messages msg msgs', phrases: 'message queue|work queue' },
  { id: 'kafka', kind: 'subject', words: 'kafka msk', parents: 'queue' },
  { id: 'rabbitmq', kind: 'subject', words: 'rabbitmq rabbit amqp', parents: 'queue' },
  { id: 'sqs', kind: 'subject', words: 'sqs awssqs', parents: 'queue' },
  { id: 'kinesis', kind: 'subject', words: 'kinesis', parents: 'queue' },
  { id: 'pubsub', kind: 'subject', words: 'pubsub nats', phrases: 'pub sub', parents: 'queue' },
  { id: 'partition', kind: 'subject', words: 'partition partitions', phrases: 'topic partition|topic partitions' },
  { id: 'consumer', kind: 'subject', words: 'consumer consumers subscriber subscribers subscription subscriptions', phrases: 'consumer group|consumer groups' },
  { id: 'producer', kind: 'subject', words: 'producer producers publisher publishers' },
  { id: 'broker', kind: 'subject', words: 'broker brokers' },
  { id: 'consumer-lag', kind: 'condition', virtual: true, parents: 'consumer lag', phrases: 'consumer lag|consumer group lag|consumers lag|consumer lagging|consumer offset lag' },
  { id: 'dlq', kind: 'subject', words: 'dlq dlqs deadletter', phrases: 'dead letter|dead letter queue|dead letters' },
  { id: 'nonempty', kind: 'condition', words: 'nonempty', phrases: 'not empty|non empty|is not empty|has messages|messages in|contains messages|messages arriving|message count' },
  { id: 'lag', kind: 'condition', words: 'lag lags lagging age behind backlog backlogged delay delayed depth unacked unacknowledged accumulating piling', phrases: 'iterator age|getrecords iterator age|millis behind latest|offset lag|queue depth|age of oldest message|oldest message|oldest message age|approximate age|messages visible|not consumed|not being consumed|growing queue|queue growing|messages waiting|messages ready|ready messages|piling up|building up|backing up|backed up' },

  // Search.
  { id: 'search', kind: 'subject', words: 'elasticsearch elastic opensearch es solr' },
  { id: 'shard', kind: 'subject', words: 'shard shards' },
  { id: 'unassigned', kind: 'condition', words: 'unassigned unallocated', phrases: 'not assigned|not allocated' },
  { id: 'red', kind: 'condition', words: 'red' },
  { id: 'yellow', kind: 'condition', words: 'yellow' },
  { id: 'heap', kind: 'subject', words: 'heap jvm', phrases: 'java heap|old gen|old generation' },
  { id: 'gc', kind: 'condition', words: 'gc', phrases: 'garbage collection|gc pause|gc pauses|gc overhead|gc time' },

  // Edge: TLS, DNS, load balancers, CDN.
  { id: 'tls', kind: 'subject', words: 'tls ssl certificate certificates cert certs x509 acme acm letsencrypt', phrases: 'lets encrypt|cert manager' },
  { id: 'handshake', kind: 'condition', words: 'handshake handshakes negotiation negotiations', phrases: 'handshake failure|handshake failures|handshake errors|handshake failed' },
  { id: 'expiry', kind: 'condition', words: 'expire expires expiring expired expiry expiration', phrases: 'days left|about to expire|valid until|valid for|will expire|close to expiry|due to expire' },
  { id: 'renewal', kind: 'condition', words: 'renew renewal renewals renewing', phrases: 'failed to renew|renewal failed' },
  { id: 'dns', kind: 'subject', words: 'dns resolver resolvers nameserver nameservers coredns kubedns route53 nxdomain servfail', phrases: 'name resolution|domain name|dns lookup|dns lookups|dns resolution|name server' },
  { id: 'resolution', kind: 'condition', words: 'resolve resolving resolution lookup lookups unresolvable', phrases: 'cannot resolve|could not resolve|failed to resolve|no such host|resolution failed|resolution failures' },
  { id: 'loadbalancer', kind: 'subject', carrier: true, words: 'lb lbs elb alb nlb awselb awsapplicationelb awsnetworkelb loadbalancer loadbalancers haproxy ingress envoy', phrases: 'load balancer|load balancers|target group|target groups|application load balancer|network load balancer|backend pool' },
  { id: 'target', kind: 'subject', words: 'target targets backend backends upstream upstreams', phrases: 'healthy hosts|healthy host count|unhealthy hosts|unhealthy host|unhealthy host count|un healthy host|un healthy host count|unhealthy targets|healthy host count|hosts behind' },
  { id: 'unhealthy', kind: 'condition', words: 'unhealthy healthz readyz livez', phrases: 'health endpoint|health check endpoint|health checks failing|un healthy|unhealthy host count|check failed|checks failed|check failing|probe failed|probe failure|probe failing|http check|http probe|health check|health checks|healthcheck|healthchecks|healthcheck failed|health check failed|health check failing|health checks failing|failing health checks|liveness probe|liveness probe failed|not healthy|no healthy|unhealthy host|unhealthy hosts' },
  { id: 'cdn', kind: 'subject', words: 'cdn cloudfront fastly akamai cloudflare edge', phrases: 'edge location|edge locations' },

  // Cloud services.
  { id: 'lambda', kind: 'subject', words: 'lambda lambdas awslambda function functions serverless faas' },
  { id: 'throttle', kind: 'condition', words: 'throttle throttles throttled throttling ratelimit ratelimited', phrases: 'rate exceeded|rate limit|rate limited|rate limiting|too many requests|request limit|provisioned throughput exceeded|throughput exceeded|capacity exceeded' },
  { id: 'bucket', kind: 'subject', words: 's3 bucket buckets gcs blob blobs', phrases: 'object storage|storage bucket' },
  { id: 'concurrency', kind: 'subject', parents: 'lambda', words: 'concurrency concurrent', phrases: 'concurrent executions|reserved concurrency' },
  { id: 'coldstart', kind: 'condition', words: 'coldstart coldstarts', phrases: 'cold start|cold starts' },
  { id: 'quota', kind: 'subject', words: 'quota quotas', phrases: 'service quota|service limit' },

  // HTTP services.
  { id: 'http', kind: 'subject', carrier: true, words: 'http https request requests endpoint endpoints api apis route routes url urls web website site nginx apache httpd caddy traefik kong apigateway webserver', phrases: 'http requests|api requests|web requests' },
  { id: 'service', kind: 'subject', carrier: true, words: 'service services svc app apps application applications microservice microservices' },
  { id: 'error', kind: 'condition', words: 'error errors errored erroring 5xx 500s 502s 503s 504s exception exceptions', phrases: 'http code target 5xx count|http code elb 5xx count|http code target 5xx|http code elb 5xx|httpcode target 5xx count|httpcode elb 5xx count|httpcode target 5xx|httpcode elb 5xx|5xx count|5xx error count|error rate|error ratio|error budget|error budget burn|burn rate|slo burn|budget burn|server error|server errors|internal server error|bad gateway|service unavailable|gateway timeout|failed requests|request failures|request errors|failure rate|failure ratio|non 2xx|5xx responses|5xx errors|http 5xx|http errors' },
  { id: 'clienterror', kind: 'condition', words: '4xx 400s 403s 404s', phrases: 'client error|client errors|not found errors|forbidden errors|4xx errors|4xx responses' },
  { id: 'latency', kind: 'condition', words: 'latency latencies slow slowness slowdown sluggish p99 p95 p90 p999 p50 tail', phrases: 'target response time|targetresponsetime|response time|response times|request duration|request latency|slow responses|slow requests|taking too long|takes too long|took too long|taking forever|takes forever|high latency|apdex|response time high' },
  { id: 'duration', kind: 'condition', words: 'duration durations runtime', phrases: 'execution time|run time|running time' },
  { id: 'timeout', kind: 'condition', words: 'timeout timeouts timedout', phrases: 'timed out|time out|time outs|timing out|deadline exceeded' },
  { id: 'slo', kind: 'subject', words: 'slo slos sla slas sli slis uptime', phrases: 'error budget' },

  // Availability.
  { id: 'down', kind: 'condition', words: 'down unreachable unavailable unresponsive dead died dying offline outage absent unreachability', phrases: 'not responding|no response|not reachable|cannot reach|can not reach|cant reach|cannot connect|cant connect|couldnt connect|could not connect|unable to connect|failed to connect|status check failed|status check failure|status checks failed|system status check|instance status check|connection refused|no heartbeat|heartbeat missing|missing heartbeat|heartbeat lost|lost heartbeat|heartbeat failed|went down|gone down|not available|no data received|stopped responding|stopped reporting|not reporting|no longer reporting' },
  { id: 'exporter', kind: 'subject', exact: true, words: 'exporter exporters scrape scrapes scraping', phrases: 'scrape target|scrape targets|metrics endpoint' },
  { id: 'crash', kind: 'condition', words: 'crash crashed crashes crashing panic panicked segfault segfaults coredump', phrases: 'core dump|segmentation fault|exited unexpectedly|died unexpectedly|process died|process exited|killed unexpectedly' },

  // Failure in general (a job, a backup, a deploy, a renewal).
  { id: 'failed', kind: 'condition', words: 'fail fails failed failing failure failures unsuccessful broken aborted abort', phrases: 'did not succeed|not successful|non zero exit|nonzero exit|exit code|exited with|exit status|returned non zero|was not successful|has failed|have failed|failed to complete|could not complete|unable to complete|did not finish' },
  { id: 'saturation', kind: 'condition', words: 'full usage used utilization utilisation util space capacity fill fills filling filled exhausted exhaustion exhausting saturated saturation consumption occupancy headroom', phrases: 'lack of|out of space|running out|run out|runs out|ran out|free space|space left|almost full|nearly full|no space left|no space|low space|space low|fill up|fills up|filling up|filled up|running low|low on|running full|will fill|predicted to fill|out of' },

  // Security.
  { id: 'authfail', kind: 'condition', words: 'bruteforce unauthorized unauthorised unauthenticated', phrases: 'brute force|brute forcing|failed login|failed logins|login failures|login failure|failed logon|failed logons|failed sign in|failed sign ins|authentication failure|authentication failures|authentication failed|auth failure|auth failures|auth failed|failed password|failed passwords|invalid password|password spraying|credential stuffing|too many login attempts|failed authentication|failed authentications' },
  { id: 'suspicious', kind: 'condition', words: 'suspicious anomalous impossible', phrases: 'impossible travel|new location|unfamiliar location|new country|unknown location|unusual location|unusual sign in|suspicious activity|suspicious sign in|suspicious login|suspicious logins|unusual login|anomalous login' },
  { id: 'login', kind: 'subject', words: 'login logins logon logons signin signins ssh sshd auth authentication sso okta iam console', phrases: 'sign in|sign ins|log in|log ins|root login|console login' },
  { id: 'waf', kind: 'subject', words: 'waf firewall modsecurity', phrases: 'web application firewall' },
  { id: 'blocked', kind: 'condition', words: 'block blocks blocked blocking denied deny rejected', phrases: 'requests blocked|blocked requests' },
  { id: 'secret', kind: 'subject', words: 'secret secrets credential credentials password passwords token tokens apikey keys key', phrases: 'api key|api keys|access key|access keys|service account key|client secret' },
  { id: 'vulnerability', kind: 'condition', words: 'vulnerability vulnerabilities cve cves exploit malware intrusion', phrases: 'security vulnerability|critical vulnerability' },
];

/** Words that say nothing at all about a problem: how a tool reports it (status, severity, alert) and function words. */
const NOISE = [
  'firing resolved triggered retriggered recovered recovery alert alerts alerting alarm alarms alarming alarmed monitor monitors monitoring',
  'warn warning warnings critical crit info information notice notification notify page paged paging sev severity priority urgent emergency major minor',
  'p0 p1 p2 p3 p4 p5 sev0 sev1 sev2 sev3 sev4 sev5 ok insufficient nodata pagerduty opsgenie datadog cloudwatch grafana prometheus alertmanager zabbix nagios icinga newrelic dynatrace splunk sentry pingdom uptimerobot statuscake',
  'incident incidents event events issue issues problem problems detected detect detection status state condition alertname',
  'a an the of to in on at by for from with as into onto via per and or but so than then this that these those it its has have had do does did',
  'is are was were be been being am can could should may might must shall will would',
  // Units say how a value was printed ("1.98 KB", "<1 sec"), not what happened.
  'kb mb gb tb pb kib mib gib tib bytes byte ms us ns sec secs min mins hr hrs',
];

/**
 * Qualifiers: how much, where, how it is said ("high", "above", "prod", "please"). Kept as weak words (`q:`): they
 * neither make two wordings different nor weigh much, so "High CPU" and "CPU above threshold" meet, while a log's
 * "runInThread start" and "runInThread over" still differ in a real word.
 */
const QUALIFIERS = [
  'prod production staging stage stg dev qa uat env environment kube kubernetes k8s aws gcp azure cloud cluster clusters region zone az',
  'high higher highest low lower lowest above below over exceed exceeded exceeds exceeding exceedance threshold thresholds limit limits breach breached',
  'too many much more most very extremely almost nearly near approaching predicted predict prediction forecast within soon currently current',
  'getting got increase increased increasing increases elevated rising rise spike spikes spiking surge jump',
  'diff difference unusual unusually abnormal abnormally significant significantly excessive excess level levels value values percent percentage pct rate rates ratio count counts number total',
  'avg average mean max maximum minimum last since ago hours hour minutes minute days day seconds h m s d week weeks',
  'please pls plz check look help anyone hey fyi asap again still repeatedly frequently multiple several some all any due because seems seem looks maybe why',
  'what now recent recently new ongoing continuous continuously constant constantly persistent sustained possible possibly potential potentially likely',
  'lots lot tons bunch plenty bump bumping raise raising exploding exploded tanked tanking thrashing growing grows grew going seeing happening',
  'roof crazy insane massive huge weird strange odd need needs needed sorry fatal already forever ever seems like ugh wtf',
];

/** Resources whose trouble, unsaid, is running out: "High CPU", "Memory 95%", "Too many connections", "No inodes". */
export const SATURABLE: ReadonlySet<string> = new Set(['cpu', 'memory', 'disk', 'volume', 'inode', 'swap', 'fd', 'heap', 'connection', 'quota', 'concurrency', 'network']);

/**
 * The condition a title means when it names only the subject: a resource runs out ("High CPU"), consumers and
 * queues fall behind ("KafkaConsumersGroup", "RabbitMQ queue orders 12k"), a dead-letter queue fills.
 */
export const IMPLIED_CONDITION: ReadonlyMap<string, string> = new Map([
  ...[...SATURABLE].map((subject) => [subject, 'saturation'] as [string, string]),
  ['consumer', 'lag'],
  ['broker', 'down'],
  ['queue', 'lag'],
  ['dlq', 'nonempty'],
]);

const NEGATIONS = new Set(['not', 'no', 'none', 'never', 'cannot', 'cant', 'isnt', 'arent', 'doesnt', 'dont', 'wont', 'hasnt', 'havent', 'didnt', 'couldnt', 'wasnt']);

export interface Concept {
  id: string;
  kind: ConceptKind | 'word';
}

/** The lexicon's look-up tables, built once. */
interface CompiledLexicon {
  /** Exact lower-cased forms first (so `resolved`, a status, is not `resolve`, a DNS word), then stems. */
  exactWord: Map<string, ConceptEntry>;
  stemWord: Map<string, ConceptEntry>;
  /** Noise words (dropped) and qualifiers (weak `q:` words), as listed. */
  exactMinor: Map<string, 'noise' | 'qualifier'>;
  /** Phrases by their first word: word sequences (stemmed) and their concept. */
  phrases: Map<string, Array<{ words: string[]; entry: ConceptEntry }>>;
  kinds: Map<string, ConceptKind>;
  carriers: Set<string>;
  parents: Map<string, string[]>;
  /** Every word the lexicon lists (in concepts, phrases and qualifiers), five letters or more, by length: typo targets. */
  vocabulary: Map<number, string[]>;
}

let compiled: CompiledLexicon | undefined;

/** A word as the lexicon compares it: lower-cased, then stemmed (`filling` → `fill`, `restarts` → `restart`). */
export const normaliseWord: (word: string) => string = memoize((word) => {
  const lower = word.toLowerCase();
  return lower.length <= 3 || /\d/.test(lower) ? lower : stemmer(lower);
}, 200_000);

function lexicon(): CompiledLexicon {
  if (compiled !== undefined) return compiled;
  const exactWord = new Map<string, ConceptEntry>();
  const stemWord = new Map<string, ConceptEntry>();
  const exactMinor = new Map<string, 'noise' | 'qualifier'>();
  const phrases = new Map<string, Array<{ words: string[]; entry: ConceptEntry }>>();
  const kinds = new Map<string, ConceptKind>();
  const carriers = new Set<string>();
  const parents = new Map<string, string[]>();
  for (const [lines, kind] of [[QUALIFIERS, 'qualifier'], [NOISE, 'noise']] as const) {
    for (const line of lines) {
      for (const word of line.split(/\s+/)) {
        if (word === '') continue;
        exactMinor.set(word, kind);
      }
    }
  }
  for (const entry of CONCEPTS) {
    kinds.set(entry.id, entry.kind);
    if (entry.carrier) carriers.add(entry.id);
    if (entry.parents) parents.set(entry.id, entry.parents.split(/\s+/));
    for (const word of (entry.words ?? '').split(/\s+/)) {
      if (word === '') continue;
      exactWord.set(word, entry);
      if (!entry.exact) stemWord.set(normaliseWord(word), entry);
    }
    for (const phrase of (entry.phrases ?? '').split('|')) {
      const words = phrase.trim().split(/\s+/).filter(Boolean).map(normaliseWord);
      if (words.length < 2) continue;
      let list = phrases.get(words[0]!);
      if (list === undefined) phrases.set(words[0]!, (list = []));
      list.push({ words, entry });
    }
  }
  for (const list of phrases.values()) list.sort((a, b) => b.words.length - a.words.length);
  const listed = new Set<string>([...exactWord.keys()]);
  for (const entry of CONCEPTS) for (const phrase of (entry.phrases ?? '').split('|')) for (const word of phrase.split(/\s+/)) listed.add(word);
  for (const line of QUALIFIERS) for (const word of line.split(/\s+/)) listed.add(word);
  const vocabulary = new Map<number, string[]>();
  for (const word of listed) {
    if (word.length < 4 || /[^a-z]/.test(word)) continue;
    let list = vocabulary.get(word.length);
    if (list === undefined) vocabulary.set(word.length, (list = []));
    list.push(word);
  }
  compiled = { exactWord, stemWord, exactMinor, phrases, kinds, carriers, parents, vocabulary };
  return compiled;
}

/** The concept's kind, `word` for a word the lexicon does not know. */
export function conceptKind(id: string): ConceptKind | 'word' {
  return lexicon().kinds.get(id) ?? 'word';
}

/** Whether a concept is a generic carrier (host, service, pod, requests), see `ConceptEntry.carrier`. */
export function isCarrier(id: string): boolean {
  return lexicon().carriers.has(id);
}

/** Broader concepts a concept implies, transitively. */
const parentsCache = new Map<string, readonly string[]>();
const NO_PARENTS: readonly string[] = Object.freeze([]);

export function conceptParents(id: string): readonly string[] {
  let out = parentsCache.get(id);
  if (out !== undefined) return out;
  const direct = lexicon().parents.get(id);
  if (direct === undefined) {
    // Words (`w:…`), qualifiers and most concepts have none; not worth a cache entry each.
    return NO_PARENTS;
  }
  const found: string[] = [];
  const queue = [...direct];
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (found.includes(next)) continue;
    found.push(next);
    queue.push(...(lexicon().parents.get(next) ?? []));
  }
  out = Object.freeze(found);
  parentsCache.set(id, out);
  return out;
}

/** A concept found in words, with the index of the word it started at. */
export interface FoundConcept {
  concept: string;
  word: number;
  /** Words it spans (a phrase's length, else 1). */
  length: number;
}

/**
 * The concepts named by a sequence of words (already split, e.g. from CamelCase): phrases first, longest first, then
 * single words. Noise words are dropped; qualifiers become `q:<word>`; words the lexicon does not know stand for
 * themselves as `w:<word>` (as written, not stemmed: "Starting" and "Started" are different log events). A negation
 * directly before a single word is kept with it (`not:<concept>`), so "backup completed" and "backup not completed"
 * stay apart.
 */
export function findConcepts(rawWords: readonly string[]): FoundConcept[] {
  const lex = lexicon();
  const lower = rawWords.map((w) => correctTypo(w.toLowerCase(), lex));
  const words = lower.map(normaliseWord);
  const out: FoundConcept[] = [];
  let negate = false;
  for (let i = 0; i < words.length; ) {
    const word = words[i]!;
    const exact = lower[i]!;
    const candidates = lex.phrases.get(word);
    let matched: ConceptEntry | undefined;
    let length = 1;
    if (candidates !== undefined) {
      for (const { words: phrase, entry } of candidates) {
        if (i + phrase.length > words.length) continue;
        let same = true;
        for (let k = 1; k < phrase.length; k++) {
          if (words[i + k] !== phrase[k]) {
            same = false;
            break;
          }
        }
        if (same) {
          matched = entry;
          length = phrase.length;
          break;
        }
      }
    }
    let minor: 'noise' | 'qualifier' | undefined;
    if (matched === undefined) {
      matched = lex.exactWord.get(exact);
      if (matched === undefined) {
        minor = lex.exactMinor.get(exact);
        // Noise and qualifiers are matched as listed (their forms are few), never by stem: "looking" is not "look".
        if (minor === undefined) matched = lex.stemWord.get(word);
      }
    }
    if (matched !== undefined) {
      if (negate && length === 1 && SATURABLE.has(matched.id)) {
        // "No inodes left", "no free memory": a resource missing is a resource run out.
        out.push({ concept: matched.id, word: i, length }, { concept: 'saturation', word: i, length });
      } else if (matched.virtual) {
        for (const parent of (matched.parents ?? '').split(/\s+/)) if (parent) out.push({ concept: parent, word: i, length });
      } else out.push({ concept: negate && length === 1 ? `not:${matched.id}` : matched.id, word: i, length });
      negate = false;
    } else if (NEGATIONS.has(exact)) {
      negate = true;
    } else if (minor === 'qualifier') {
      out.push({ concept: `q:${exact}`, word: i, length: 1 });
    } else if (minor === undefined && exact.length >= 2 && !/^\d+$/.test(exact)) {
      out.push({ concept: negate ? `not:w:${exact}` : `w:${exact}`, word: i, length: 1 });
      negate = false;
    }
    i += length;
  }
  return out;
}

const corrections = new Map<string, string>();

/**
 * What people type in a hurry ("crsah loop", "iwoait", "cocnurrency", "labmda"): a word the lexicon does not know,
 * five letters or more, one edit (an insertion, a deletion, a substitution or two letters swapped, not the first
 * letter: "billing" is not "filling") from exactly one word the lexicon knows, is read as that word.
 */
function correctTypo(word: string, lex: CompiledLexicon): string {
  if (word.length < 5) return word;
  let corrected = corrections.get(word);
  if (corrected === undefined) {
    if (/[^a-z]/.test(word) || lex.exactWord.has(word) || lex.exactMinor.has(word) || lex.stemWord.has(normaliseWord(word))) {
      if (corrections.size < 100_000) corrections.set(word, word);
      return word;
    }
    const matches = new Set<string>();
    for (let length = word.length - 1; length <= word.length + 1; length++) {
      for (const candidate of lex.vocabulary.get(length) ?? []) {
        if (candidate[0] === word[0] && withinOneEdit(word, candidate)) matches.add(candidate);
        if (matches.size > 1) break;
      }
    }
    corrected = matches.size === 1 ? [...matches][0]! : word;
    if (corrections.size < 100_000) corrections.set(word, corrected);
  }
  return corrected;
}

/** Damerau–Levenshtein distance ≤ 1 (adjacent transposition counted as one edit). */
function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > 1) return false;
  let i = 0;
  while (i < la && i < lb && a[i] === b[i]) i++;
  if (la === lb) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true;
    return i + 1 < la && a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  }
  return la > lb ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

/** `findConcepts` without the positions. */
export function conceptsOfWords(rawWords: readonly string[]): string[] {
  return findConcepts(rawWords).map((f) => f.concept);
}

// `(?<![A-Z]{2})`: a run of capitals is tried from its start only (the same splits; without it a long run was tried
// from every position, quadratic in its length).
const CAMEL_BOUNDARY = /([a-z])([A-Z])|(?<![A-Z]{2})([A-Z]+)([A-Z][a-z])|([A-Za-z])(\d)|(\d)([A-Za-z])/g;

/**
 * The words of one masked template token, for the lexicon: placeholders dropped, CamelCase and digit boundaries split
 * (`NodeFilesystemAlmostOutOfSpace` → node filesystem almost out of space, `OOMKilled` → oom killed), separators
 * (`-`, `_`, `/`, `:`, `.`) split. Codes such as `5xx` and `p99` stay whole.
 */
/** `splitTokenWords` remembered per token (templates and titles repeat their tokens); the result must not be changed. */
export const tokenWords: (token: string) => readonly string[] = memoize((token) => splitTokenWords(token), 200_000);

function splitTokenWords(token: string): string[] {
  const text = token.replace(/<[A-Z][A-Z0-9_-]*>|<\*>/g, ' ').replace(/(?<=[A-Za-z])['’](?=[A-Za-z])/g, '');
  const words: string[] = [];
  const known = lexicon().exactWord;
  for (const part of text.split(/[^A-Za-z0-9]+/)) {
    if (part === '') continue;
    if (/^(?:\d[xX]{2}|[pP]\d{2,3}|x509|ec2|s3|k8s|i\/o)$/.test(part) || known.has(part.toLowerCase()) || lexicon().exactMinor.has(part.toLowerCase())) {
      words.push(part.toLowerCase() === part ? part : part);
      continue;
    }
    const pieces = part.replace(CAMEL_BOUNDARY, (_, a, b, c, d, e, f, g, h) => `${a ?? c ?? e ?? g} ${b ?? d ?? f ?? h}`).split(' ').filter(Boolean);
    // Product names the split cut apart ("My SQL", "Postgre SQL", "Dynamo DB", "Route 53") are joined again.
    for (let i = 0; i < pieces.length; i++) {
      let joined = false;
      for (let n = Math.min(3, pieces.length - i); n >= 2 && !joined; n--) {
        const candidate = pieces.slice(i, i + n).join('');
        if (known.has(candidate.toLowerCase())) {
          words.push(candidate);
          i += n - 1;
          joined = true;
        }
      }
      if (!joined) words.push(pieces[i]!);
    }
  }
  return words;
}

// Data stores other than SQL: Redis (`redis-cli CMD`, or a Redis command given as the program) and the MongoDB shell
// (`mongosh --eval`). Flushing, dropping or emptying is `destructive`; reads are read-only; other commands write.
import { flag, r, type CommandRisk, type Rule } from './rule.ts';

export const DATASTORE_RULES: Record<string, Rule> = {
  redis: (args) => classifyRedisCli(args),
  'redis-cli': (args) => classifyRedisCli(args),
  mongo: (args) => classifyMongo(args),
  mongosh: (args) => classifyMongo(args),
};

export const REDIS_COMMANDS_DESTRUCTIVE = new Set(['FLUSHALL', 'FLUSHDB', 'SHUTDOWN', 'SWAPDB']);
const REDIS_READ_ONLY = new Set(
  ('GET MGET GETRANGE STRLEN EXISTS TTL PTTL TYPE KEYS SCAN HGET HMGET HGETALL HKEYS HVALS HLEN HEXISTS HSCAN LLEN LRANGE LINDEX ' +
    'SMEMBERS SCARD SISMEMBER SSCAN ZRANGE ZRANGEBYSCORE ZREVRANGE ZCARD ZSCORE ZRANK ZSCAN ZCOUNT INFO PING ECHO DBSIZE MEMORY ' +
    'SLOWLOG CLIENT CONFIG LATENCY MONITOR CLUSTER XINFO XLEN XRANGE XREVRANGE XPENDING OBJECT ROLE TIME LASTSAVE COMMAND PUBSUB ' +
    'BITCOUNT GETBIT PFCOUNT DUMP RANDOMKEY SELECT AUTH HELLO').split(' '),
);

function classifyRedisCli(args: string[]): CommandRisk {
  const withValue = new Set(['-h', '-p', '-a', '-n', '-u', '-s', '--user', '--pass', '-r', '-i', '--cacert', '--cert', '--key', '--sni', '--pattern', '-d']);
  let j = 0;
  while (j < args.length && args[j]!.startsWith('-')) j += withValue.has(args[j]!) ? 2 : 1;
  const rest = args.slice(j);
  if (rest.length === 0) {
    if (flag(args, '--bigkeys', '--memkeys', '--hotkeys', '--stat', '--latency', '--latency-history', '--latency-dist', '--scan', '--intrinsic-latency'))
      return r('read-only', '`redis-cli` statistics only read');
    return r('mutating', '`redis-cli` opens an interactive session: assumed mutating');
  }
  return classifyRedisCommand(rest[0]!, rest.slice(1));
}

export function classifyRedisCommand(name: string, args: string[]): CommandRisk {
  const cmd = name.toUpperCase();
  const sub = (args[0] ?? '').toUpperCase();
  if (REDIS_COMMANDS_DESTRUCTIVE.has(cmd)) return r('destructive', `redis \`${cmd}\` deletes data or stops the server`);
  if (cmd === 'DEBUG') return r('destructive', 'redis `DEBUG` can crash or stall the server');
  if (cmd === 'CONFIG' && sub !== 'GET') return r('mutating', `redis \`CONFIG ${sub}\` changes the server configuration`);
  if (cmd === 'CLIENT' && (sub === 'KILL' || sub === 'PAUSE')) return r('mutating', `redis \`CLIENT ${sub}\` affects connected clients`);
  if (cmd === 'CLUSTER' && !['INFO', 'NODES', 'SLOTS', 'SHARDS', 'MYID', 'KEYSLOT', 'COUNTKEYSINSLOT'].includes(sub)) return r('mutating', `redis \`CLUSTER ${sub}\` changes the cluster`);
  if (cmd === 'SLOWLOG' && sub === 'RESET') return r('mutating', 'redis `SLOWLOG RESET` clears the slow log');
  if (REDIS_READ_ONLY.has(cmd)) return r('read-only', `redis \`${cmd}\` only reads`);
  return r('mutating', `redis \`${cmd}\` writes data`);
}

function classifyMongo(args: string[]): CommandRisk {
  const e = args.indexOf('--eval');
  const script = e !== -1 ? args[e + 1] : args.find((a) => a.startsWith('--eval='))?.slice('--eval='.length);
  if (script === undefined) return r('mutating', '`mongosh` opens an interactive session: assumed mutating');
  if (/\.(?:dropDatabase|drop|dropIndex(?:es)?)\s*\(|\.(?:deleteMany|remove)\s*\(\s*\{\s*\}\s*\)|\bshutdownServer\s*\(/.test(script))
    return r('destructive', 'the MongoDB script drops or empties collections');
  if (/\.(?:insert\w*|update\w*|replace\w*|delete\w*|remove|findOneAnd\w+|createIndex\w*|create\w*|rename\w*|bulkWrite)\s*\(|\$out\b|\$merge\b|\bkillOp\s*\(|rs\.(?:stepDown|reconfig|add|remove)\s*\(/.test(script))
    return r('mutating', 'the MongoDB script writes data');
  return r('read-only', 'the MongoDB script only reads');
}

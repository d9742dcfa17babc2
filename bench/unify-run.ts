// One step of the unify benchmark in its own process (so peak RSS is the step's own); prints its result as a JSON line.
//   load URL ACCOUNT INTEGRATION INCIDENTS   stores the PagerDuty deliveries as raw events (intake, insertRawEvents)
//   drain URL ACCOUNT                        unifies the queue, timed, as the unify workflow does
import { drain, load } from './unify.ts';

const [step, url, accountId, ...rest] = process.argv.slice(2);
if (!url || !accountId) throw new Error('usage: unify-run.ts load|drain URL ACCOUNT ...');
let result: unknown;
if (step === 'load') result = await load(url, accountId, rest[0]!, Number(rest[1]));
else if (step === 'drain') result = await drain(url, accountId);
else throw new Error(`unknown step ${step}`);
process.stdout.write(`${JSON.stringify(result)}\n`);

// One throughput run in its own process (so its peak RSS is its own); prints the result as a JSON line.
import { measure } from './throughput.ts';

const [scenario, count] = process.argv.slice(2);
if (scenario !== 'online' && scenario !== 'recluster' && scenario !== 'cli') throw new Error(`unknown scenario ${scenario}`);
const result = await measure(scenario, Number(count));
process.stdout.write(`${JSON.stringify(result)}\n`);

// GET /healthz: liveness and readiness of the web server itself (probes); it asks nothing of the API, so an API outage
// does not restart or unroute every web pod.
import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = () => json({ status: 'ok' }, { headers: { 'cache-control': 'no-store' } });

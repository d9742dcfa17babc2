// The platform's health as the API reports it: the same body whether every part is healthy (200) or not (503).
import { failure, request, type ApiEvent, type ApiOptions } from './api';

export async function apiHealth(event: ApiEvent, options: ApiOptions = {}) {
  const answer = await request(event, (c) => c.GET('/api/health'), options);
  if (answer.data) return answer.data;
  const body = answer.error;
  if (answer.response.status === 503 && body && typeof body === 'object' && 'checks' in body) return body;
  throw failure(answer);
}

// The environment variables the web server reads (SvelteKit's explicit variables): all private, read when it starts.
import { defineEnvVars } from '@sveltejs/kit/env';

const optional = (value: string | undefined) => value || undefined;

export const variables = defineEnvVars({
  API_URL: {
    description: "The API's base URL, as this server reaches it (default http://127.0.0.1:3001).",
    schema: (value) => (value || 'http://127.0.0.1:3001').replace(/\/$/, ''),
  },
  DOCS_DIR: { description: 'Where the Help pages read the Markdown guides (default: the docs/ folder of the checkout).', schema: optional },
  SENTRY_DSN: { description: 'Report unexpected errors of the web server to Sentry (optional).', schema: optional },
  SENTRY_ENVIRONMENT: { description: "The Sentry environment of those reports (default 'production').", schema: optional },
});

// Help: the product's documentation, a way to report a problem, and where feedback goes.
import { docsDir, listDocs } from './docs.server';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async () => {
  const dir = docsDir();
  return { docs: dir ? await listDocs(dir) : [], docsFound: dir !== null };
};

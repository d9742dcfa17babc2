// The documentation's screenshots (docs/images/*.png), for the Help pages that show them. Only plain PNG names are
// served, from that one folder.
import { error } from '@sveltejs/kit';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { docsDir } from '../../docs.server';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async ({ params }) => {
  const dir = docsDir();
  if (!dir || !/^[a-z0-9][a-z0-9-]*\.png$/.test(params.file)) error(404, { message: 'No such image', code: 'not_found' });
  try {
    const image = await readFile(join(dir, 'images', params.file));
    return new Response(new Uint8Array(image), { headers: { 'content-type': 'image/png', 'cache-control': 'public, max-age=3600' } });
  } catch {
    error(404, { message: 'No such image', code: 'not_found' });
  }
};

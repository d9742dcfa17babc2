// One document of docs/, by its listed name (/help/architecture, /help/integrations/pagerduty), rendered from Markdown
// on the server. The documents are the repository's own (trusted, not user input); links between them are rewritten
// to their Help pages, and links elsewhere in the repository to plain text paths.
import { error } from '@sveltejs/kit';
import { Marked } from 'marked';
import { docsDir, helpHref, readDoc } from '../docs.server';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ params }) => {
  const dir = docsDir();
  if (!dir) error(404, { message: 'The documentation is not installed with this server', code: 'docs_missing' });
  const doc = await readDoc(dir, params.doc);
  if (!doc) error(404, { message: `There is no document named “${params.doc}”`, code: 'not_found' });
  const marked = new Marked({
    gfm: true,
    walkTokens(token) {
      if (token.type === 'link') {
        const href = helpHref(doc.entry.name, token.href);
        if (href) token.href = href;
        else Object.assign(token, { type: 'codespan', text: token.href, raw: token.raw });
      }
    },
  });
  // Code blocks and tables scroll sideways on a phone: focusable, so a keyboard can scroll them too.
  const html = (await marked.parse(doc.text)).replaceAll('<pre>', '<pre tabindex="0">').replaceAll('<table>', '<table tabindex="0">');
  return { name: doc.entry.name, title: doc.entry.title, html };
};

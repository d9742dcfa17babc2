// SvelteKit config: adapter-node output in build/ (WEB_BUILD_DIR elsewhere: parallel builds), runes mode everywhere.
import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  compilerOptions: { runes: true },
  kit: {
    adapter: adapter({ out: process.env.WEB_BUILD_DIR ?? 'build' }),
    // A parallel build needs its own intermediate output as well.
    ...(process.env.WEB_BUILD_DIR ? { outDir: `.svelte-kit-${process.env.WEB_BUILD_DIR}` } : {}),
  },
};

export default config;

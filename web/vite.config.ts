// SvelteKit's configuration (SvelteKit 3 reads it from its Vite plugin): adapter-node output in build/ (WEB_BUILD_DIR
// elsewhere: parallel builds), runes mode everywhere.
import adapter from '@sveltejs/adapter-node';
import { sveltekit } from '@sveltejs/kit/vite';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [
    sveltekit({
      preprocess: vitePreprocess(),
      compilerOptions: { runes: true },
      adapter: adapter({ out: process.env.WEB_BUILD_DIR ?? 'build' }),
      // A parallel build needs its own intermediate output as well.
      ...(process.env.WEB_BUILD_DIR ? { outDir: `.svelte-kit-${process.env.WEB_BUILD_DIR}` } : {}),
    }),
  ],
  server: { port: 5173, strictPort: true },
});

import { defineConfig } from 'vite';

// Static files only: `npm run build` writes dist/, which any web server can serve.
export default defineConfig({
  base: './',
  build: { outDir: 'dist', chunkSizeWarningLimit: 2048 },
});

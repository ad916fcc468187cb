import { defineConfig } from 'vite';

// Static files only: `npm run build` writes dist/, which any web server can serve.
export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    chunkSizeWarningLimit: 2048,
    rollupOptions: {
      onwarn(warning, warn) {
        // @polkadot's packages place /*#__PURE__*/ where Rollup ignores it: harmless, not ours.
        if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('node_modules')) return;
        warn(warning);
      },
    },
  },
});

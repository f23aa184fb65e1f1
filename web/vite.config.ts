import { defineConfig } from 'vite';

// Served by `comity serve` under /console; everything is bundled, nothing is
// fetched from another origin at run time.
export default defineConfig({
  base: '/console/',
  build: { outDir: 'dist', emptyOutDir: true, assetsInlineLimit: 0, sourcemap: false },
});

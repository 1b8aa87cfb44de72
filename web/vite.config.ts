// The web dashboard's build: `npm run build:web` writes web/dist, which the backend serves at `/`.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    // hls.js alone is ~580 kB; it is its own chunk, loaded only on a camera's page.
    chunkSizeWarningLimit: 700,
  },
});

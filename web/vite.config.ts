/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The dev server forwards the API (HTTP and WebSocket) to a local quizcore API.
const apiTarget = process.env.QUIZCORE_API_URL ?? 'http://127.0.0.1:8000';

export default defineConfig({
  // Relative asset URLs: the API serves dist/ at its root, a CDN may use a prefix.
  base: './',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
  },
  server: {
    proxy: {
      '/v1': { target: apiTarget, ws: true, changeOrigin: true },
      '/config.json': { target: apiTarget, changeOrigin: true },
    },
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
  },
});

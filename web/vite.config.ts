// The studio's page: TypeScript + Preact (JSX compiled by Vite itself), uPlot bundled in, written to dist/web, which
// the studio server serves as static files.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  build: {
    outDir: fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
    // the page is served from this machine: no need to split it for a slow network
    chunkSizeWarningLimit: 1024,
  },
});

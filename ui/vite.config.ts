// Builds the UI into the Python package (src/brickyard/web/dist), served by brickyard.api.web.
import react from "@vitejs/plugin-react";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { defineConfig, type Plugin } from "vite";

const outDir = fileURLToPath(new URL("../src/brickyard/web/dist", import.meta.url));
// `npm run dev` proxies the API to a running `brickyard up` (override with BRICKYARD_URL).
const server = process.env.BRICKYARD_URL ?? "http://127.0.0.1:8585";

/** Writes .br and .gz beside each text asset, so the server sends them without compressing. */
function precompress(): Plugin {
  return {
    name: "brickyard-precompress",
    apply: "build",
    closeBundle() {
      const assets = join(outDir, "assets");
      for (const name of readdirSync(assets)) {
        if (!/\.(js|css|svg)$/.test(name)) continue;
        const file = join(assets, name);
        const data = readFileSync(file);
        if (data.length < 1024) continue;
        writeFileSync(`${file}.br`, brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
        writeFileSync(`${file}.gz`, gzipSync(data, { level: 9 }));
      }
    },
  };
}

export default defineConfig({
  plugins: [react(), precompress()],
  build: {
    outDir,
    emptyOutDir: true,
    assetsDir: "assets",
    target: "es2022",
    sourcemap: false,
    chunkSizeWarningLimit: 600,
    rollupOptions: {
      output: {
        // Libraries that change rarely get their own long-cached chunks.
        manualChunks(id) {
          if (!id.includes("node_modules")) return undefined;
          if (
            id.includes("@codemirror") ||
            id.includes("@lezer") ||
            id.includes("crelt") ||
            id.includes("style-mod") ||
            id.includes("w3c-keyname")
          )
            return "codemirror";
          if (id.includes("uplot")) return "uplot";
          if (id.includes("react-router")) return "router";
          if (id.includes("react-dom") || id.includes("/react/") || id.includes("scheduler")) return "react";
          return undefined;
        },
      },
    },
  },
  server: {
    port: 5173,
    proxy: {
      "/api": server,
      "/mlflow": server,
      "/serving-endpoints": server,
    },
  },
});

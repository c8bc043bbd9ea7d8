// Lint rules: typescript-eslint's recommended set over the TypeScript sources, tests and benchmarks.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "build/**", "node_modules/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // lines stay readable: Prettier wraps code at 120, this catches long strings and comments
      "max-len": ["error", { code: 120, ignoreUrls: true }],
    },
  },
);

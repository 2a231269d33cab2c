// ESLint (flat config) with typescript-eslint's recommended rules, run first by `npm test`.
// Syntax-only rules (no type information), so the whole tree lints in seconds.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  // fixtures/ holds files captured from a real Zeek setup, kept byte for byte.
  { ignores: ["dist/", "node_modules/", "fixtures/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Unused values are compile errors already (tsconfig noUnused*); `_name` marks intended ones.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      // Hot decoders assign pairs as `(a = x), (b = y)` and preset values a branch may keep.
      "@typescript-eslint/no-unused-expressions": "off",
      "no-useless-assignment": "off",
      // Wire-format and escaping code matches control characters on purpose.
      "no-control-regex": "off",
      // `let { a, b } = ...` where only one is reassigned stays one statement.
      "prefer-const": ["error", { destructuring: "all" }],
    },
  },
  {
    // Tests read JSON documents (HTTP, SSE, CLI output) whose shape they assert field by field.
    files: ["test/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    files: ["**/*.mjs", "**/*.js"],
    languageOptions: { globals: { process: "readonly", console: "readonly", Buffer: "readonly", URL: "readonly" } },
  },
);

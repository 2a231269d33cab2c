// ESLint (flat config) with typescript-eslint's recommended rules, run first by `npm test`.
// Syntax-only rules (no type information), so the whole tree lints in seconds.
import js from "@eslint/js";
import stylistic from "@stylistic/eslint-plugin";
import tseslint from "typescript-eslint";

export default tseslint.config(
  // fixtures/ holds files captured from a real Zeek setup, kept byte for byte.
  { ignores: ["dist/", "node_modules/", "fixtures/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // Formatting, checked and fixed (`npm run format`) by ESLint Stylistic, set to this codebase's style.
  stylistic.configs.customize({ indent: 2, quotes: "double", semi: true, jsx: false, braceStyle: "1tbs", commaDangle: "always-multiline", arrowParens: true, quoteProps: "as-needed" }),
  {
    rules: {
      // Long expressions break after an operator; a ternary's `?`/`:` and a type's `|`/`&` lead their lines.
      "@stylistic/operator-linebreak": ["error", "after", { overrides: { "?": "before", ":": "before", "|": "before", "&": "before" } }],
      // Decoder tables keep `case X: out.push(y); break;` on one line.
      "@stylistic/max-statements-per-line": ["error", { max: 3 }],
      "@stylistic/lines-between-class-members": ["error", "always", { exceptAfterSingleLine: true, exceptAfterOverload: true }],
      "@stylistic/generator-star-spacing": ["error", { before: false, after: true, method: { before: true, after: false } }],
      // 'say "this"' rather than "say \"this\""; template literals wherever they read better.
      "@stylistic/quotes": ["error", "double", { avoidEscape: true, allowTemplateLiterals: "always" }],
      // Continuation lines of long `a +` chains are indented by `indent`'s own rules.
      "@stylistic/indent-binary-ops": "off",
      // Type-level conditionals (typed.ts's signature parser) nest like a decision table.
      "@stylistic/indent": ["error", 2, { ArrayExpression: 1, CallExpression: { arguments: 1 }, flatTernaryExpressions: false, FunctionDeclaration: { body: 1, parameters: 1, returnType: 1 }, FunctionExpression: { body: 1, parameters: 1, returnType: 1 }, ignoreComments: false, ignoredNodes: ["TSUnionType", "TSIntersectionType", "TSConditionalType"], ImportDeclaration: 1, MemberExpression: 1, ObjectExpression: 1, offsetTernaryExpressions: true, outerIIFEBody: 1, SwitchCase: 1, tabLength: 2, VariableDeclarator: 1 }],
      // Zeek script text quoted in tests keeps Zeek's tab indentation.
      "@stylistic/no-tabs": "off",
    },
  },
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

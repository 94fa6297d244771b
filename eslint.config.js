import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

// The project's red lines, enforced where code is written (DEVELOPERS.md "Security is the product").
const RED_LINES = [
  { selector: "Property[key.name='rejectUnauthorized'][value.value=false]", message: 'Never switch TLS verification off.' },
  { selector: "Property[key.name='trustProxy'][value.value=true]", message: 'trustProxy lists the proxies; never true.' },
  { selector: "Property[key.name='origin'][value.value=true]", message: 'CORS origins come from ALLOWED_ORIGINS only.' },
  { selector: "Property[key.name='origin'][value.value='*']", message: 'CORS origins come from ALLOWED_ORIGINS only.' },
]

// The staff console renders data as text only (docs/console.md "Browser policy"): no HTML sinks, no
// code from strings, and the token stays in memory (no web storage, no cookies).
const CONSOLE_TEXT_ONLY = 'The console renders data as React text nodes: no HTML sinks (docs/console.md).'
const CONSOLE_RULES = {
  'no-restricted-syntax': [
    'error',
    ...RED_LINES,
    { selector: "JSXAttribute[name.name='dangerouslySetInnerHTML']", message: CONSOLE_TEXT_ONLY },
    { selector: 'MemberExpression[property.name=/^(innerHTML|outerHTML|srcdoc)$/]', message: CONSOLE_TEXT_ONLY },
    { selector: "Property[key.name='dangerouslySetInnerHTML']", message: CONSOLE_TEXT_ONLY },
    { selector: 'CallExpression[callee.property.name=/^(insertAdjacentHTML|createContextualFragment|setHTMLUnsafe|parseFromString)$/]', message: CONSOLE_TEXT_ONLY },
  ],
  'no-restricted-properties': [
    'error',
    { object: 'document', property: 'write', message: CONSOLE_TEXT_ONLY },
    { object: 'document', property: 'writeln', message: CONSOLE_TEXT_ONLY },
    { object: 'document', property: 'cookie', message: 'The token lives in memory only (docs/console.md "Sign-in and the token").' },
  ],
  'no-restricted-globals': [
    'error',
    { name: 'localStorage', message: 'The token lives in memory only (docs/console.md "Sign-in and the token").' },
    { name: 'sessionStorage', message: 'The token lives in memory only (docs/console.md "Sign-in and the token").' },
    { name: 'indexedDB', message: 'The token lives in memory only (docs/console.md "Sign-in and the token").' },
  ],
  'no-eval': 'error',
  'no-implied-eval': 'error',
  'no-new-func': 'error',
}

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/generated/**', '.turbo/**', 'coverage/**', '**/.medusa/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'smart'],
      // The project's red lines, enforced where code is written (DEVELOPERS.md "Security is the product").
      'no-restricted-syntax': ['error', ...RED_LINES],
    },
  },
  {
    // Shared packages receive configuration as arguments; only apps (and dev tooling) read the env.
    files: ['packages/*/src/**/*.ts'],
    ignores: ['packages/devstack/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Packages receive config as arguments; only apps read the environment.' },
      ],
    },
  },
  {
    // The staff console runs in the browser.
    files: ['apps/console/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: CONSOLE_RULES,
  },
  {
    // The Medusa shop of the plugin's e2e test runs as Medusa's CommonJS (medusa-config.js, exec scripts).
    files: ['packages/medusa-plugin/e2e/shop/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
)

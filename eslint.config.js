import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

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
      'no-restricted-syntax': [
        'error',
        { selector: "Property[key.name='rejectUnauthorized'][value.value=false]", message: 'Never switch TLS verification off.' },
        { selector: "Property[key.name='trustProxy'][value.value=true]", message: 'trustProxy lists the proxies; never true.' },
        { selector: "Property[key.name='origin'][value.value=true]", message: 'CORS origins come from ALLOWED_ORIGINS only.' },
        { selector: "Property[key.name='origin'][value.value='*']", message: 'CORS origins come from ALLOWED_ORIGINS only.' },
      ],
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
    // The Medusa shop of the plugin's e2e test runs as Medusa's CommonJS (medusa-config.js, exec scripts).
    files: ['packages/medusa-plugin/e2e/shop/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
)

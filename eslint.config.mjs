// Lint for the whole workspace: `npm run lint` (eslint --max-warnings=0 libs services tools).
// - @eslint/js recommended + typescript-eslint recommended-type-checked rules;
// - Nx module boundaries (DESIGN.md, rule 8): services and tools depend only on libs, libs only on
//   libs, no import cycles, no relative/absolute imports into another project, and the test
//   helpers (libs/testing, tag scope:testing) only from test files and tools;
// - libraries by role (role:* tags, ROLES_BELOW): core below capabilities below stages, no stage
//   library importing another, no Nest or BullMQ in a capability, a service importing only the
//   assembly (libs/factory). libs/testing/e2e/layering-lint.spec.ts shows these rules fail.
import js from '@eslint/js';
import { createProjectGraphAsync } from '@nx/devkit';
import nx from '@nx/eslint-plugin';
import globals from 'globals';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

// @nx/enforce-module-boundaries reads Nx's *cached* project graph (.nx/workspace-data). With no
// cache (a clean clone, CI) it skips itself with a mere notice, and a stale cache misses new
// imports and projects. So build the graph before linting; a broken graph (e.g. two projects with
// one name) fails the lint instead of silently turning the rule off.
await createProjectGraphAsync({ exitOnError: true });

/** Files that are never part of a build (tsconfig.build.json excludes them): tests. */
const TEST_FILES = ['**/*.spec.ts', '**/*.fixture.ts'];

/**
 * The kinds of libraries (docs/architecture.md, "The libraries"), each a `role:*` tag, from the
 * bottom up. A library may import only the roles listed for its own (direct imports):
 * - role:core        contracts, config, http, telemetry, store, queue, pipeline: the backbone;
 * - role:capability  builder, imagetest, sbom, vuln, signing, oci, forge, sources, definitions,
 *                    debian, alpine: what the factory can do, knowing nothing of Nest, BullMQ or
 *                    runs (no @nestjs/*, no bullmq, neither libs/pipeline nor libs/queue);
 * - role:stage-base  catalog-access: what several stages share (the catalog, a run's workspace);
 * - role:stage       build-stage, checking, publishing, patching, watching, notifying: capabilities turned
 *                    into executors and job handlers; a stage library never imports another;
 * - role:interface   api: the operator API over the pipeline (it reads the watcher's targets);
 * - role:assembly    factory: the registries of executors and services, the one thing a
 *                    service's main.ts imports;
 * - role:testing     testing: the test helpers (see below).
 */
const ROLES_BELOW = {
  'role:core': ['role:core'],
  'role:capability': ['role:core', 'role:capability'],
  'role:stage-base': ['role:core', 'role:capability', 'role:stage-base'],
  'role:stage': ['role:core', 'role:capability', 'role:stage-base'],
  'role:interface': ['role:core', 'role:capability', 'role:stage-base', 'role:stage'],
  'role:assembly': ['role:core', 'role:capability', 'role:stage-base', 'role:stage', 'role:interface'],
};

/** npm packages a capability library may not import (their tests neither). */
const CAPABILITY_BANNED_PACKAGES = ['@nestjs/*', 'bullmq'];

/**
 * Allowed dependencies between projects, by tag (every project.json has one type:*, one
 * scope:* and, for a library, one role:* tag). Every constraint whose source tag matches
 * applies, each to the direct import.
 * @param {{ testFile: boolean }} opts a test file may also import the test helpers and, in a
 *   stage library, other stage libraries (a test composes a pipeline of real executors)
 */
function depConstraints({ testFile }) {
  const notTestingScope = '/^scope:(?!testing$)/';
  const testing = testFile ? ['role:testing'] : [];
  return [
    { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:lib'] },
    { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
    { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib'] },
    // Libraries by role.
    ...Object.entries(ROLES_BELOW).map(([role, below]) => ({
      sourceTag: role,
      onlyDependOnLibsWithTags: [...below, ...testing, ...(testFile && role === 'role:stage' ? ['role:stage'] : [])],
    })),
    // Capabilities know nothing of Nest, BullMQ or runs: no such package, and of the core
    // neither the run machinery (libs/pipeline) nor the queues (libs/queue).
    { sourceTag: 'role:capability', bannedExternalImports: CAPABILITY_BANNED_PACKAGES },
    { sourceTag: 'role:capability', onlyDependOnLibsWithTags: ['/^scope:(?!pipeline$|queue$)/'] },
    // A service is its name: its main.ts imports the assembly (libs/factory) and nothing else.
    ...(testFile ? [] : [{ sourceTag: 'type:service', onlyDependOnLibsWithTags: ['role:assembly'] }]),
    // libs/testing (scope:testing) is for test files and tools only. This is a second,
    // direct-import constraint rather than notDependOnLibsWithTags: that one is transitive over
    // the project graph, which also holds the imports of test files, so it would flag every
    // service through any lib whose specs use libs/testing.
    ...(testFile
      ? []
      : [
          { sourceTag: 'type:service', onlyDependOnLibsWithTags: [notTestingScope] },
          { sourceTag: 'type:lib', onlyDependOnLibsWithTags: [notTestingScope] },
        ]),
  ];
}

/** @param {{ testFile: boolean }} opts */
function moduleBoundaries(opts) {
  return [
    'error',
    {
      depConstraints: depConstraints(opts),
      // Always checked by the rule, not options: no import cycles between projects, no relative
      // or absolute (workspace-path) imports into another project (deep imports), no imports of
      // applications (services, tools). And a project may not import itself by its
      // `@patch-factory/<name>`:
      allowCircularSelfDependency: false,
      // libs/testing imports the libs it helps to test, and their specs import libs/testing:
      // the project graph (which does not tell tests from code) sees queue -> testing -> queue.
      // Such a loop can only go through a test file (code may not import libs/testing, see
      // above), so it is no cycle in the shipped code. Cycles that avoid libs/testing still fail.
      // (Not ['testing', '*']: that also pairs testing with itself, which turns off the rule's
      // "same project" shortcut and makes libs/testing's own relative imports fail.)
      ignoredCircularDependencies: [['tag:scope:testing', '!tag:scope:testing']],
      // No project has an Nx build target (one `tsc -b` builds everything): no buildable libs.
      enforceBuildableLibDependency: false,
    },
  ];
}

export default defineConfig(
  {
    ignores: ['**/dist/**', '**/node_modules/**', '**/.tools/**', '**/.nx/**', '**/coverage/**', '**/tmp/**'],
  },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    // Type-aware rules (floating promises, unsafe any…) from the one program that holds every
    // .ts file (tests included). An explicit project, not `projectService`: there is no
    // tsconfig.json to find, and a default project per file made the lint ten times slower.
    languageOptions: { parserOptions: { project: './tsconfig.spec.json', tsconfigRootDir: import.meta.dirname } },
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': moduleBoundaries({ testFile: false }),
      // `_name` marks a parameter or binding that is there on purpose and unused.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
    },
  },
  {
    files: TEST_FILES,
    rules: {
      '@nx/enforce-module-boundaries': moduleBoundaries({ testFile: true }),
    },
  },
  {
    // Boot scripts that run before any build (tools/node/run.cjs is what maps
    // `@patch-factory/*` to dist/), so they are CommonJS and require each other by path; they are
    // outside the TypeScript project graph rules above.
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { ...globals.node },
    },
  },
);

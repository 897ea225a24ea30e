// The layer rules of DESIGN.md, checked by dependency-cruiser in `npm test` (test/architecture.test.ts)
// and by `npx depcruise src --config .dependency-cruiser.mjs`. Paths are relative to the repository.
// Folders are matched by their place, not their name, so a new feature folder is covered as it appears.

/** A route module of a service feature: `routes.ts`, `*-routes.ts` / `*.routes.ts`, or one under `routes/`. */
const ROUTES = '^src/service/[^/]+/(?:routes[.]ts$|routes/|[^/]*[-.]routes[.]ts$)';
/** Tests beside the code: held to the same rules, except where a rule says otherwise. */
const TESTS = '[.]test[.]ts$';
/** An installed package, by its resolved path (node_modules may be a link to another checkout's). */
const PACKAGE = (name) => `(?:^|/)node_modules/${name}`;
/** The HTTP stack: Fastify and its plugins. */
const HTTP_PACKAGES = [PACKAGE('fastify/'), PACKAGE('@fastify/'), PACKAGE('light-my-request/')];

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment:
        'src/domain holds pure rules: of the repository it imports only itself (no contract, service, agent, cli, test helpers; its tests neither).',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { dependencyTypes: ['local'], pathNot: '^src/domain/' },
    },
    {
      name: 'domain-does-no-io',
      comment: 'src/domain does no I/O: no files, sockets, processes or threads.',
      severity: 'error',
      from: { path: '^src/domain/', pathNot: TESTS },
      to: {
        dependencyTypes: ['core'],
        path: '^(?:node:)?(?:fs|fs/promises|net|http|https|http2|tls|dgram|dns|child_process|cluster|worker_threads|readline)$',
      },
    },
    {
      name: 'contract-is-shapes-only',
      comment:
        'src/contract holds the API shapes: it imports only src/domain and TypeBox (its tests also the test runner).',
      severity: 'error',
      from: { path: '^src/contract/', pathNot: [TESTS] },
      to: { pathNot: ['^src/contract/', '^src/domain/', PACKAGE('@sinclair/typebox/')] },
    },
    {
      name: 'no-http-below-routes',
      comment:
        'Only routes know HTTP: every other module of a service feature (operations, repositories, jobs...) imports neither Fastify nor src/service/http.',
      severity: 'error',
      from: { path: '^src/service/[^/]+/', pathNot: [ROUTES, '^src/service/(?:http|web)/', TESTS] },
      to: { path: [...HTTP_PACKAGES, '^src/service/http/'] },
    },
    {
      name: 'routes-only-from-app',
      comment:
        'Routes are mounted by src/service/app.ts alone; the CLI, the agent and other features reuse operations.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/service/app[.]ts$', TESTS] },
      to: { path: ROUTES },
    },
    {
      name: 'cli-not-to-routes',
      comment: 'The CLI reuses operations, never routes (its tests included).',
      severity: 'error',
      from: { path: '^src/cli/' },
      to: { path: ROUTES },
    },
    {
      name: 'agent-not-to-service-or-cli',
      comment:
        'The agent runs on the VPN server: it shares the domain and the contract with the service, never its code.',
      severity: 'error',
      from: { path: '^src/agent/' },
      to: { path: '^src/(?:service|cli)/' },
    },
    {
      name: 'html-is-shared',
      comment:
        'src/html makes pages (escaping templates, forms, the stylesheet) for both the service and the agent: it imports only itself and the domain.',
      severity: 'error',
      from: { path: '^src/html/' },
      to: { dependencyTypes: ['local'], pathNot: '^src/(?:html|domain)/' },
    },
    {
      name: 'service-not-to-agent-or-cli',
      comment: 'The service never reaches into the agent or the command line.',
      severity: 'error',
      from: { path: '^src/service/' },
      to: { path: '^src/(?:agent|cli)/' },
    },
    {
      name: 'src-not-to-tests',
      comment: 'Shipped code never imports test helpers or benchmarks.',
      severity: 'error',
      from: { path: '^src/', pathNot: TESTS },
      to: { path: ['^test/', '^bench/', TESTS] },
    },
    {
      name: 'no-circular',
      comment:
        'Modules that import each other, directly or through others, cannot be understood or loaded one at a time.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'Every import resolves to a file or an installed package.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a layer that names another's types depends on it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
  },
};

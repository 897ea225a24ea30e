/**
 * "METHOD path" of every route Fastify serves, from its route tree (`printRoutes`), in the
 * OpenAPI document's spelling (`{id}`); HEAD, which Fastify adds to every GET, left out.
 */
export function servedRoutes(tree: string): string[] {
  const prefixes: string[] = [];
  const routes: string[] = [];
  for (const line of tree.split('\n')) {
    const at = line.indexOf('── ');
    const node = /^(.+?)(?: \(([A-Z, ]+)\))?$/.exec(line.slice(at + 3));
    if (at < 0 || node?.[1] === undefined) continue;
    const depth = (at + 3) / 4 - 1;
    prefixes.length = depth;
    const path = prefixes.join('') + node[1];
    prefixes.push(node[1]);
    for (const method of (node[2] ?? '').split(', ').filter((m) => m !== '' && m !== 'HEAD'))
      routes.push(`${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
  }
  return routes;
}

/** The routes of the pages for people: everything but the API, its document, the health check and the assets. */
export const pageRoutes = (tree: string): string[] =>
  servedRoutes(tree).filter(
    (route) => !/^[A-Z]+ \/(v1\/|healthz$|docs|openapi\.json|assets\/|favicon\.ico)/.test(route),
  );

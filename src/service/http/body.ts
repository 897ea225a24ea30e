import { Transform } from 'node:stream';
import { ProblemError } from './problem.js';
import type { App } from './types.js';

/** Every route's body limit unless it needs more (a heartbeat derives its own from its schema). */
export const BODY_LIMIT_BYTES = 64 * 1024;

/** Nesting allowed where a schema leaves it open (a $ref, unknown values, no body schema). */
const OPEN_NESTING = 32;

/** How deeply a JSON value the schema accepts can nest: each object or array is one level. */
export function nestingOf(schema: unknown): number {
  if (typeof schema !== 'object' || schema === null) return OPEN_NESTING;
  const node = schema as Record<string, unknown>;
  const alternatives = [node.anyOf, node.oneOf, node.allOf].flatMap((list) =>
    Array.isArray(list) ? list : [],
  );
  if (alternatives.length > 0) return Math.max(...alternatives.map(nestingOf));
  if (node.type === 'array') return Math.min(OPEN_NESTING, 1 + nestingOf(node.items));
  if (node.type === 'object') {
    if (node.additionalProperties !== false) return OPEN_NESTING;
    const members = [
      ...Object.values((node.properties ?? {}) as object),
      ...Object.values((node.patternProperties ?? {}) as object),
    ];
    return Math.min(OPEN_NESTING, 1 + Math.max(0, ...members.map(nestingOf)));
  }
  return typeof node.type === 'string' ? 0 : OPEN_NESTING;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const [OPEN_ARRAY, OPEN_OBJECT, CLOSE_ARRAY, CLOSE_OBJECT] = [0x5b, 0x7b, 0x5d, 0x7d];

/**
 * Passes a JSON body through while counting its nesting, and fails as soon as it goes deeper than
 * `limit`: a body nested millions deep costs seconds to parse, so it is refused before parsing,
 * while it is still arriving.
 */
export function limitNesting(limit: number, tooDeep: () => Error): Transform {
  const state = { depth: 0, inString: false, escaped: false };
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      // Locals, not the closure's state, in the loop: it runs over every byte of every body.
      let { depth, inString, escaped } = state;
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i];
        if (inString) {
          if (escaped) escaped = false;
          else if (byte === BACKSLASH) escaped = true;
          else if (byte === QUOTE) inString = false;
        } else if (byte === QUOTE) inString = true;
        else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
          if (++depth > limit) {
            done(tooDeep());
            return;
          }
        } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) depth--;
      }
      Object.assign(state, { depth, inString, escaped });
      done(null, chunk);
    },
  });
}

/** Each route refuses bodies nested deeper than its body schema allows, before they are parsed. */
export function refuseDeepBodies(app: App): void {
  const nesting = new WeakMap<object, number>();
  const noSchema = {};
  app.addHook('preParsing', async (request, _reply, payload) => {
    const { 'content-length': length, 'transfer-encoding': chunked } = request.headers;
    if ((length === undefined || length === '0') && chunked === undefined) return payload;
    const schema = request.routeOptions.schema?.body ?? noSchema;
    const limit = nesting.get(schema) ?? nestingOf(schema);
    nesting.set(schema, limit);
    const tooDeep = () =>
      new ProblemError({
        code: 'body_too_deep',
        detail: `The request body nests objects and arrays more than ${limit} deep.`,
      });
    const counted = payload.pipe(limitNesting(limit, tooDeep));
    // Whoever reads the body reports the error; a request refused before reading (its declared
    // length is over the limit) has had its answer already, and must not bring the process down.
    counted.on('error', () => {});
    return counted;
  });
}

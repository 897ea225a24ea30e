import { Transform } from 'node:stream';
import type { FastifyRequest } from 'fastify';
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

/** Where a scan of a JSON body stands between chunks: how deep, and inside a string or not. */
interface NestingScan {
  depth: number;
  inString: boolean;
  escaped: boolean;
}

/**
 * Scans the next bytes of a JSON body; false as soon as it nests deeper than `limit`. The bytes
 * that matter are ASCII, which UTF-8 never uses inside a longer character.
 */
function scanNesting(scan: NestingScan, bytes: Uint8Array, limit: number): boolean {
  let { depth, inString, escaped } = scan;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (byte === BACKSLASH) escaped = true;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      if (++depth > limit) return false;
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) depth--;
  }
  Object.assign(scan, { depth, inString, escaped });
  return true;
}

const freshScan = (): NestingScan => ({ depth: 0, inString: false, escaped: false });

/**
 * Passes a JSON body through while counting its nesting, and fails as soon as it goes deeper than
 * `limit`: a body nested millions deep costs seconds to parse, so it is refused before parsing,
 * while it is still arriving.
 */
export function limitNesting(limit: number, tooDeep: () => Error): Transform {
  const scan = freshScan();
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (scanNesting(scan, chunk, limit)) done(null, chunk);
      else done(tooDeep());
    },
  });
}

/** A body small enough to arrive whole before it is looked at: scanned at parsing, not streamed. */
const arrivesWhole = (headers: { 'content-length'?: string | undefined }): boolean => {
  const length = Number(headers['content-length'] ?? Number.NaN);
  return length <= BODY_LIMIT_BYTES;
};

/**
 * Each route refuses bodies nested deeper than its body schema allows, before they are parsed:
 * large or chunked ones while they arrive, small ones (nearly every request) in one pass over
 * their bytes just before parsing, which costs far less than a stream of their own.
 */
export function refuseDeepBodies(app: App): void {
  const nesting = new WeakMap<object, number>();
  const noSchema = {};
  const limitOf = (request: FastifyRequest): number => {
    const schema = request.routeOptions.schema?.body ?? noSchema;
    const limit = nesting.get(schema) ?? nestingOf(schema);
    nesting.set(schema, limit);
    return limit;
  };
  const tooDeep = (limit: number) =>
    new ProblemError({
      code: 'body_too_deep',
      detail: `The request body nests objects and arrays more than ${limit} deep.`,
    });
  app.addHook('preParsing', async (request, _reply, payload) => {
    const { 'content-length': length, 'transfer-encoding': chunked } = request.headers;
    if ((length === undefined || length === '0') && chunked === undefined) return payload;
    if (chunked === undefined && arrivesWhole(request.headers)) return payload;
    const limit = limitOf(request);
    const counted = payload.pipe(limitNesting(limit, () => tooDeep(limit)));
    counted.on('error', () => {});
    return counted;
  });
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
    // A route that takes no body takes none labelled JSON too, as many HTTP clients send it.
    if (bytes.length === 0 && request.routeOptions.schema?.body === undefined) {
      done(null, undefined);
      return;
    }
    const limit = limitOf(request);
    const whole = request.headers['transfer-encoding'] === undefined && arrivesWhole(request.headers);
    if (whole && !scanNesting(freshScan(), bytes, limit)) {
      done(tooDeep(limit), undefined);
      return;
    }
    parseJson(request, bytes.toString(), done);
  });
}

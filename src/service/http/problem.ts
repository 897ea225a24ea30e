import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Problem } from '../../contract/common.js';
import { ERRORS, type ErrorCode, type Failure, type Result } from '../../domain/errors.js';
import { SINGLE_LINE } from '../../domain/text.js';
import { isStoreUnavailable } from '../store/database.js';

/** Thrown by route handlers only; the error handler turns it into application/problem+json. */
export class ProblemError extends Error {
  readonly failure: Failure;
  constructor(failure: Failure) {
    super(failure.detail);
    this.failure = failure;
  }
}

export const problem = (code: ErrorCode, detail: string, field?: string): ProblemError =>
  new ProblemError(field === undefined ? { code, detail } : { code, detail, field });

/** The value of a successful operation, or the problem it reported. */
export function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new ProblemError(result.error);
  return result.value;
}

/** The documented error body: every 4xx and 5xx the service sends, routed or not. */
export function problemDocument(failure: Failure, requestId: string): Problem {
  const { status, title } = ERRORS[failure.code];
  return {
    type: `https://seatkeeper.dev/problems/${failure.code}`,
    code: failure.code,
    title,
    status,
    detail: failure.detail,
    ...(failure.field === undefined ? {} : { field: failure.field }),
    ...(failure.storedSequence === undefined ? {} : { storedSequence: failure.storedSequence }),
    requestId,
  };
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, failure: Failure): FastifyReply {
  const document = problemDocument(failure, request.id);
  // Errors raised before routing skip the onRequest hook that sets it for everything else.
  reply.header('x-request-id', request.id);
  // A refusal before the whole body arrived: close rather than read the rest of it.
  if (!request.raw.complete) reply.header('connection', 'close');
  return reply.code(document.status).type('application/problem+json').send(document);
}

/** Fastify's own errors (bad JSON, wrong content type, schema validation) in the catalog's words. */
function fromFrameworkError(error: FastifyError, request: FastifyRequest): Failure | undefined {
  if (error.validation !== undefined) {
    const first = error.validation[0];
    const missing = (first?.params as { missingProperty?: string } | undefined)?.missingProperty;
    const extra = (first?.params as { additionalProperty?: string } | undefined)?.additionalProperty;
    const path = (first?.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
    const field = missing ?? extra ?? (path === '' ? undefined : path);
    const where = error.validationContext ?? 'body';
    const controlCharacters = (first?.params as { pattern?: string } | undefined)?.pattern === SINGLE_LINE;
    const detail = missing
      ? `${where} is missing the required field "${missing}".`
      : extra
        ? `${where} has an unknown field "${extra}".`
        : controlCharacters
          ? `${where}.${path} must be one line of text, without control characters.`
          : `${where}${path ? `.${path}` : ''} ${first?.message ?? 'is not valid'}.`;
    return field === undefined
      ? { code: 'validation_failed', detail }
      : { code: 'validation_failed', detail, field };
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { code: 'invalid_json', detail: 'The request body could not be read as JSON.' };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        code: 'body_too_large',
        detail: `The request body is larger than this request may be (${request.routeOptions.bodyLimit} bytes).`,
      };
    case 'FST_ERR_BAD_URL':
      return { code: 'malformed_url', detail: 'The URL has a malformed percent-encoding.' };
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return { code: 'url_too_long', detail: 'A path parameter is longer than any id the service uses.' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { code: 'unsupported_media_type', detail: 'Send the request body as application/json.' };
    default:
      if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
        return { code: 'validation_failed', detail: error.message };
      }
      return undefined;
  }
}

/** Any error a handler or Fastify raised, in the catalog's words; what was not foreseen is logged. */
export function failureOf(error: FastifyError, request: FastifyRequest): Failure {
  if (error instanceof ProblemError) return error.failure;
  const failure = fromFrameworkError(error, request);
  if (failure !== undefined) return failure;
  if (isStoreUnavailable(error)) {
    request.log.error({ err: error }, 'store unavailable');
    return { code: 'service_unavailable', detail: 'The license store is not answering; try again shortly.' };
  }
  request.log.error({ err: error }, 'request failed');
  return {
    code: 'internal_error',
    detail: `Something went wrong; quote request id ${request.id} to support.`,
  };
}

export const handleError = (
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply => sendProblem(request, reply, failureOf(error, request));

/** What Node's HTTP parser refuses before there is a request: the same problem+json, on the raw socket. */
function fromClientError(error: NodeJS.ErrnoException): Failure {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { code: 'headers_too_large', detail: 'The request headers are larger than the service reads.' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { code: 'request_timeout', detail: 'The request did not arrive in full in time.' };
    default:
      return { code: 'malformed_request', detail: 'The request is not valid HTTP/1.1.' };
  }
}

/** The http server's 'clientError' handler: answers in problem+json with a request id, then closes. */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket, requestId: string): void {
  // A reset connection has nobody to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const document = problemDocument(fromClientError(error), requestId);
    const body = JSON.stringify(document);
    socket.write(
      `HTTP/1.1 ${document.status} ${STATUS_CODES[document.status]}\r\n` +
        'Content-Type: application/problem+json\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `x-request-id: ${requestId}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  }
  socket.destroy(error);
}

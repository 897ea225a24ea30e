import { Type } from '@sinclair/typebox';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, type ErrorCode, type Failure, type Result } from '../../domain/errors.js';
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

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    code: Type.String({ description: 'Stable error code; never renamed' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    field: Type.Optional(Type.String({ description: 'The request field at fault, where there is one' })),
    storedSequence: Type.Optional(
      Type.Integer({
        description: 'heartbeat_out_of_order: the sequence stored for the server; continue above it',
      }),
    ),
    requestId: Type.String(),
  },
  { $id: 'Problem' },
);

export function sendProblem(request: FastifyRequest, reply: FastifyReply, failure: Failure): FastifyReply {
  const { status, title } = ERRORS[failure.code];
  return reply
    .code(status)
    .type('application/problem+json')
    .send({
      type: `https://seatkeeper.dev/problems/${failure.code}`,
      code: failure.code,
      title,
      status,
      detail: failure.detail,
      ...(failure.field === undefined ? {} : { field: failure.field }),
      ...(failure.storedSequence === undefined ? {} : { storedSequence: failure.storedSequence }),
      requestId: request.id,
    });
}

/** Fastify's own errors (bad JSON, wrong content type, schema validation) in the catalog's words. */
function fromFrameworkError(error: FastifyError): Failure | undefined {
  if (error.validation !== undefined) {
    const first = error.validation[0];
    const missing = (first?.params as { missingProperty?: string } | undefined)?.missingProperty;
    const extra = (first?.params as { additionalProperty?: string } | undefined)?.additionalProperty;
    const path = (first?.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
    const field = missing ?? extra ?? (path === '' ? undefined : path);
    const where = error.validationContext ?? 'body';
    const detail = missing
      ? `${where} is missing the required field "${missing}".`
      : extra
        ? `${where} has an unknown field "${extra}".`
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
        detail: 'The request body is larger than the service accepts (64 KiB).',
      };
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

export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof ProblemError) return sendProblem(request, reply, error.failure);
  const failure = fromFrameworkError(error);
  if (failure !== undefined) return sendProblem(request, reply, failure);
  if (isStoreUnavailable(error)) {
    request.log.error({ err: error }, 'store unavailable');
    return sendProblem(request, reply, {
      code: 'service_unavailable',
      detail: 'The license store is not answering; try again shortly.',
    });
  }
  request.log.error({ err: error }, 'request failed');
  return sendProblem(request, reply, {
    code: 'internal_error',
    detail: `Something went wrong; quote request id ${request.id} to support.`,
  });
}

import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';

/** A one-use link's token in a query (`/password/set?token=...`) never reaches the log. */
const withoutSecrets = (url: string): string =>
  url.replace(/([?&](?:token|key|code)=)[^&#]*/gi, '$1[redacted]');

/**
 * The request as Fastify's log serializer reads it (method, url, host, ip, socket's port), with
 * the URL's secrets left out: the serializer then writes its usual fields.
 */
const requestFields = (request: FastifyRequest) => ({
  method: request.method,
  url: withoutSecrets(request.url),
  host: request.host,
  ip: request.ip,
  headers: {},
  socket: { remotePort: request.socket?.remotePort },
});

/**
 * One line per request, written when it is answered, and none for an attempt refused because of
 * earlier failures: a flood of guesses past the limit writes nothing (the block itself is logged).
 */
export class RequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (this.isLogDisabled(request)) return;
    if (error) {
      reply.log.error(
        { req: requestFields(request), res: reply, err: error, responseTime: reply.elapsedTime },
        'request errored',
      );
    } else if (reply.statusCode !== 429) {
      reply.log.info(
        { req: requestFields(request), res: reply, responseTime: reply.elapsedTime },
        'request completed',
      );
    }
  }
}

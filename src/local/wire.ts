import { Readable } from 'node:stream';
import { HttpRequest, HttpResponse } from '@smithy/core/protocols';

/**
 * HTTP-level helpers for the request-handler wrappers that stand where AWS would be (the throttling emulator and
 * the local IAM enforcement): read a request's JSON body, answer with an AWS-shaped JSON error, rewrite bodies.
 */

export type HandlerOutput = { response: HttpResponse };

/** The request body as text (the SDK hands the handler a string or a Uint8Array). */
export function bodyText(body: unknown): string | undefined {
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  return undefined;
}

/** Reads a response body (stream, bytes or string) to text. */
export async function readBody(body: unknown): Promise<string> {
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  const chunks: Buffer[] = [];
  for await (const c of body as AsyncIterable<Buffer | string>) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks).toString('utf8');
}

/** An HTTP 400 with DynamoDB's JSON error shape, so the SDK's own deserializer builds the real exception. */
export function jsonError(payload: Record<string, unknown>, requestId: string): HandlerOutput {
  const body = JSON.stringify(payload);
  return {
    response: new HttpResponse({
      statusCode: 400,
      reason: 'Bad Request',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'content-length': String(Buffer.byteLength(body)),
        'x-amzn-requestid': requestId,
      },
      body: Readable.from([Buffer.from(body)]),
    }),
  };
}

/** The same response with a new body: length restated, and the checksum dropped since the body changed. */
export function withBody(response: HttpResponse, text: string): HttpResponse {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(response.headers)) {
    if (k.toLowerCase() === 'x-amz-crc32') continue;
    headers[k] = v;
  }
  headers['content-length'] = String(Buffer.byteLength(text));
  return new HttpResponse({
    statusCode: response.statusCode,
    reason: response.reason,
    headers,
    body: Readable.from([Buffer.from(text)]),
  });
}

/** A copy of the request with another body (and its content-length). */
export function cloneRequest(request: HttpRequest, body: string): HttpRequest {
  const clone = HttpRequest.clone(request);
  clone.body = Buffer.from(body, 'utf8');
  for (const k of Object.keys(clone.headers)) {
    if (k.toLowerCase() === 'content-length') clone.headers[k] = String(Buffer.byteLength(body));
  }
  return clone;
}

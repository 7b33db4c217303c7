import type { DynamoDBClient, ServiceInputTypes, ServiceOutputTypes } from '@aws-sdk/client-dynamodb';
import type {
  DeserializeHandlerArguments,
  DeserializeHandlerOutput,
  DeserializeMiddleware,
  HandlerExecutionContext,
  InitializeHandlerArguments,
  InitializeHandlerOutput,
  InitializeMiddleware,
} from '@aws-sdk/types';
import { HttpRequest, HttpResponse } from '@smithy/core/protocols';
import { WorkshopError } from '../errors';

/**
 * The one way the workshop's local stand-ins step into a DynamoDBClient's calls: named steps on the client's own
 * middleware stack (typed as the SDK declares them), each with an uninstall. Three places matter:
 *
 * - `onEachCall`: once per `send`, before the retry loop (initialize step) — the recorder's call record.
 * - `onEachAttempt`: once per HTTP attempt, outside the deserializer (deserialize step, high priority), so a parsed
 *   error is visible — the recorder's attempt record.
 * - `wrapHandler`: right before the HTTP handler (deserialize step, low priority: after signing and retries, before
 *   the SDK parses the answer). The wrapper gets the signed request and a `forward` to the real handler; it may answer
 *   itself (a throttle, an AccessDenied) — the SDK then parses that answer, and its retry strategy sees it, exactly as
 *   if the engine had sent it. The throttling emulator and the local IAM enforcer stand here.
 *
 * Middlewares live on the DynamoDBClient's stack, so the DocumentClient built from it goes through them too.
 */

/** Takes the step off the client again (idempotent). */
export type Uninstall = () => void;

export type CallArgs = InitializeHandlerArguments<ServiceInputTypes>;
export type CallOutput = InitializeHandlerOutput<ServiceOutputTypes>;
export type AttemptArgs = DeserializeHandlerArguments<ServiceInputTypes>;
export type AttemptOutput = DeserializeHandlerOutput<ServiceOutputTypes>;

/** What a handler answers: the HTTP response (parsed afterwards by the SDK). */
export type HandlerAnswer = { response: HttpResponse };
/** Sends a (possibly rewritten) request on to the real HTTP handler. */
export type Forward = (request: HttpRequest) => Promise<HandlerAnswer>;

function install<M>(
  client: DynamoDBClient,
  add: (stack: DynamoDBClient['middlewareStack'], mw: M) => void,
  name: string,
  mw: M,
): Uninstall {
  add(client.middlewareStack, mw);
  let installed = true;
  return () => {
    if (!installed) return;
    installed = false;
    client.middlewareStack.remove(name);
  };
}

/** A step run once per `send` (before retries). `context.commandName` names the operation (`GetItemCommand`). */
export function onEachCall(
  client: DynamoDBClient,
  name: string,
  step: (args: CallArgs, next: (args: CallArgs) => Promise<CallOutput>, context: HandlerExecutionContext) => Promise<CallOutput>,
): Uninstall {
  const mw: InitializeMiddleware<ServiceInputTypes, ServiceOutputTypes> = (next, context) => (args) => step(args, next, context);
  return install(client, (s, m) => s.add(m, { step: 'initialize', name, priority: 'low' }), name, mw);
}

/** A step run once per HTTP attempt (inside the retry loop), outside the deserializer: parsed errors are visible. */
export function onEachAttempt(
  client: DynamoDBClient,
  name: string,
  step: (
    args: AttemptArgs,
    next: (args: AttemptArgs) => Promise<AttemptOutput>,
    context: HandlerExecutionContext,
  ) => Promise<AttemptOutput>,
): Uninstall {
  const mw: DeserializeMiddleware<ServiceInputTypes, ServiceOutputTypes> = (next, context) => (args) => step(args, next, context);
  return install(client, (s, m) => s.add(m, { step: 'deserialize', name, priority: 'high' }), name, mw);
}

/**
 * Stands in front of the client's HTTP handler: `handle(request, forward)` answers each signed request, by forwarding
 * it (or other requests) to the engine, or by answering itself.
 */
export function wrapHandler(
  client: DynamoDBClient,
  name: string,
  handle: (request: HttpRequest, forward: Forward) => Promise<HandlerAnswer>,
): Uninstall {
  const mw: DeserializeMiddleware<ServiceInputTypes, ServiceOutputTypes> = (next, _context) => async (args) => {
    if (!HttpRequest.isInstance(args.request)) return next(args);
    const forward: Forward = async (request) => {
      const out = await next({ ...args, request });
      if (!HttpResponse.isInstance(out.response)) {
        throw new WorkshopError(
          'INTERCEPT_NO_HTTP_RESPONSE',
          `The request handler behind "${name}" answered without an HTTP response.`,
          'check that the client uses an HTTP request handler (the default NodeHttpHandler does)',
        );
      }
      return { response: out.response };
    };
    return handle(args.request, forward);
  };
  return install(client, (s, m) => s.add(m, { step: 'deserialize', name, priority: 'low' }), name, mw);
}

import { context, propagation, trace, type Context, type Span, SpanStatusCode } from '@opentelemetry/api';
import type { TraceCarrier } from '@patch-factory/contracts';

export const tracer = trace.getTracer('patch-factory');

/** The W3C trace context of `ctx` (default: the active one), to put in job data. */
export function injectTrace(ctx: Context = context.active()): TraceCarrier | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  if (!carrier['traceparent']) return undefined;
  return carrier['tracestate']
    ? { traceparent: carrier['traceparent'], tracestate: carrier['tracestate'] }
    : { traceparent: carrier['traceparent'] };
}

/** The context a job's spans should continue from. */
export function extractTrace(carrier: TraceCarrier | undefined): Context {
  if (!carrier) return context.active();
  return propagation.extract(context.active(), { ...carrier });
}

/** Trace id of the active span, if any. */
export function activeTraceId(): string | undefined {
  const span = trace.getActiveSpan();
  return span?.spanContext().traceId;
}

/** Runs `fn` in a new active span that continues `parent`; records failures on the span. */
export async function inSpan<T>(
  name: string,
  parent: Context,
  attributes: Record<string, string | number | boolean>,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, parent, async (span) => {
    try {
      const result = await fn(span);
      span.setStatus({ code: SpanStatusCode.OK });
      return result;
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      if (error instanceof Error) span.recordException(error);
      throw error;
    } finally {
      span.end();
    }
  });
}

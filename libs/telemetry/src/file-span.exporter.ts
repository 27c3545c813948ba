import { appendFileSync } from 'node:fs';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

/** One finished span as a JSON line (what the file exporter writes). */
export interface SpanLine {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  service: string;
  startMs: number;
  endMs: number;
  status: number;
  attributes: Record<string, unknown>;
}

/**
 * Appends finished spans to a file, one JSON object a line; several processes may share
 * the file (each line is a single append). For tests and local inspection.
 */
export class FileSpanExporter implements SpanExporter {
  constructor(
    private readonly file: string,
    private readonly service: string,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    try {
      for (const s of spans) {
        const ctx = s.spanContext();
        const line: SpanLine = {
          traceId: ctx.traceId,
          spanId: ctx.spanId,
          parentSpanId: s.parentSpanContext?.spanId,
          name: s.name,
          service: this.service,
          startMs: s.startTime[0] * 1000 + s.startTime[1] / 1e6,
          endMs: s.endTime[0] * 1000 + s.endTime[1] / 1e6,
          status: s.status.code,
          attributes: { ...s.attributes },
        };
        appendFileSync(this.file, JSON.stringify(line) + '\n');
      }
      done({ code: ExportResultCode.SUCCESS });
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }

  async shutdown(): Promise<void> {}
  async forceFlush(): Promise<void> {}
}

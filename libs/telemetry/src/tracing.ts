import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  NoopSpanProcessor,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { FileSpanExporter } from './file-span.exporter';

export interface TracingOptions {
  service: string;
  exporter: 'none' | 'otlp' | 'file' | 'console';
  file?: string;
}

let sdk: NodeSDK | undefined;

/**
 * Starts OpenTelemetry for this process (once). With `none` spans are still created and
 * propagated through job data (trace ids on runs and logs), just not exported.
 */
export function startTracing(options: TracingOptions): void {
  if (sdk) return;
  const processors: SpanProcessor[] = [];
  if (options.exporter === 'otlp') processors.push(new BatchSpanProcessor(new OTLPTraceExporter()));
  if (options.exporter === 'console') processors.push(new SimpleSpanProcessor(new ConsoleSpanExporter()));
  if (options.exporter === 'file') {
    if (!options.file) throw new Error('tracing: the file exporter needs a file path (PF_TRACES_FILE)');
    processors.push(new SimpleSpanProcessor(new FileSpanExporter(options.file, options.service)));
  }
  // Without any processor NodeSDK registers no tracer and every trace id would be zeros.
  if (processors.length === 0) processors.push(new NoopSpanProcessor());
  sdk = new NodeSDK({
    resource: resourceFromAttributes({ 'service.name': options.service }),
    spanProcessors: processors,
    instrumentations: [],
    autoDetectResources: false,
  });
  sdk.start();
}

/** Flushes and stops tracing (called on shutdown). */
export async function stopTracing(): Promise<void> {
  const current = sdk;
  sdk = undefined;
  if (current) await current.shutdown();
}

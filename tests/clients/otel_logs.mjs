// Sends log records with the OpenTelemetry JS SDK's OTLP/HTTP log exporters
// (JSON and protobuf) to Vigil, as an instrumented Node.js service would.
// Usage: node otel_logs.mjs <base url> <run id> <json|proto>
// Prints "sent N" once the exporter reported success, exits 1 otherwise.
import { SeverityNumber } from '@opentelemetry/api';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { OTLPLogExporter as JsonExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';

const [base, run, kind] = process.argv.slice(2);
const Exporter = kind === 'proto' ? ProtoExporter : JsonExporter;
const exporter = new Exporter({ url: `${base}/v1/logs` });
const provider = new LoggerProvider({
  resource: resourceFromAttributes({ 'service.name': 'checkout', 'host.name': 'web-1', run }),
  processors: [new SimpleLogRecordProcessor({ exporter })],
});
const logger = provider.getLogger('otel-test');
const n = 5;
for (let i = 0; i < n; i++) {
  logger.emit({
    severityNumber: i === 4 ? SeverityNumber.ERROR : SeverityNumber.INFO,
    severityText: i === 4 ? 'ERROR' : 'INFO',
    body: `order ${i} placed (${kind}, run ${run})`,
    attributes: { 'order.id': i, 'user.name': 'Łukasz' },
  });
}
try {
  await provider.forceFlush();
  await provider.shutdown();
  console.log(`sent ${n}`);
} catch (e) {
  console.error(`export failed: ${e}`);
  process.exit(1);
}

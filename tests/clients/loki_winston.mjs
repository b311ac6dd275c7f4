// Pushes log lines to Vigil with winston + winston-loki, the Loki transport
// Node.js services use (protobuf by default, JSON with --json).
// Usage: node loki_winston.mjs <base url> <run id> [json]
// Prints "sent N" after the transport flushed; exits 1 on a push error.
import winston from 'winston';
import LokiTransport from 'winston-loki';

const [host, run, mode] = process.argv.slice(2);
let failed = null;
const transport = new LokiTransport({
  host,
  json: mode === 'json',
  batching: true,
  interval: 0.2,
  labels: { job: 'winston', run },
  onConnectionError: (err) => { failed = err; },
});
const logger = winston.createLogger({ transports: [transport] });
const n = 6;
for (let i = 0; i < n; i++) {
  logger.log({ level: i === 5 ? 'error' : 'info', message: `payment ${i} "authorized" ünïcode`, labels: { step: String(i % 2) } });
}
await new Promise((r) => setTimeout(r, 600));
await transport.flush();
await new Promise((r) => setTimeout(r, 300));
transport.close();
if (failed) {
  console.error(`push failed: ${failed}`);
  process.exit(1);
}
console.log(`sent ${n}`);
// The transport's batch timer would keep the process alive.
process.exit(0);

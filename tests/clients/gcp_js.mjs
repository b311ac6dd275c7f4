// @google-cloud/monitoring (REST transport) against `vigil cloudsim`:
//   node gcp_js.mjs --host 127.0.0.1 --port PORT --key gcp-service-account.json
import monitoring from "@google-cloud/monitoring";

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].slice(2)] = process.argv[i + 1];
const client = new monitoring.MetricServiceClient({ fallback: true, protocol: "http",
  apiEndpoint: args.host, port: Number(args.port), keyFilename: args.key });

try {
  const end = Math.floor(Date.now() / 60000) * 60;
  const [series] = await client.listTimeSeries({
    name: "projects/example-project",
    filter: 'metric.type = "compute.googleapis.com/instance/cpu/utilization" AND resource.type = "gce_instance"',
    interval: { startTime: { seconds: end - 3600 }, endTime: { seconds: end } },
    aggregation: { alignmentPeriod: { seconds: 300 }, perSeriesAligner: "ALIGN_MEAN" },
    pageSize: Number(args.pageSize ?? 2),
  });
  console.log(JSON.stringify({ ok: true, result: series.map((s) => ({ metric: s.metric, resource: s.resource,
    points: s.points.map((p) => [p.interval.endTime.seconds, p.value.doubleValue]) })) }, null, 1));
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: { code: e.code, message: e.message } }));
  process.exitCode = 1;
}

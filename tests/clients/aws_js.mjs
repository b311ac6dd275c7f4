// The AWS SDK for JavaScript v3 against `vigil cloudsim`: one operation per
// run, printing {"ok": true, "result": ...} or {"ok": false, "error": ...}.
//   node aws_js.mjs --endpoint URL --op ListMetrics|GetMetricData|PutMetricData|GetResources|FilterLogEvents
//                   [--protocol json|query|cbor] [--secret S]
import { CloudWatchClient, ListMetricsCommand, GetMetricDataCommand, PutMetricDataCommand,
         paginateListMetrics } from "@aws-sdk/client-cloudwatch";
import { CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { ResourceGroupsTaggingAPIClient, paginateGetResources } from
    "@aws-sdk/client-resource-groups-tagging-api";
import { AwsQueryProtocol, AwsSmithyRpcV2CborProtocol } from "@aws-sdk/core/protocols";

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].slice(2)] = process.argv[i + 1];
const config = {
  endpoint: args.endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "AKIDEXAMPLE",
                 secretAccessKey: args.secret ?? "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
  maxAttempts: Number(args.attempts ?? 3),
};
const protocols = { query: AwsQueryProtocol, cbor: AwsSmithyRpcV2CborProtocol };
const cw = new CloudWatchClient({ ...config, ...(protocols[args.protocol] ? { protocol: protocols[args.protocol] } : {}) });
const now = Math.floor(Date.now() / 60000) * 60;

async function run() {
  switch (args.op) {
    case "ListMetrics": {
      const metrics = [];
      for await (const page of paginateListMetrics({ client: cw }, { Namespace: "AWS/EC2" })) {
        metrics.push(...(page.Metrics ?? []));
      }
      return { count: metrics.length, metrics };
    }
    case "GetMetricData": {
      const list = await cw.send(new ListMetricsCommand({ Namespace: "AWS/EC2", MetricName: "CPUUtilization" }));
      const m = list.Metrics[0];
      const r = await cw.send(new GetMetricDataCommand({
        StartTime: new Date((now - 3600) * 1000), EndTime: new Date(now * 1000),
        MetricDataQueries: [{ Id: "q1", MetricStat: { Metric: m, Period: 300, Stat: "Average" } }],
      }));
      return r.MetricDataResults;
    }
    case "PutMetricData": {
      await cw.send(new PutMetricDataCommand({ Namespace: "Vigil/Test", MetricData: [
        { MetricName: "Pushed", Value: 4.5, Unit: "Count", Timestamp: new Date(now * 1000),
          Dimensions: [{ Name: "Client", Value: "js" }] }] }));
      const list = await cw.send(new ListMetricsCommand({ Namespace: "Vigil/Test" }));
      return list.Metrics;
    }
    case "GetResources": {
      const tagging = new ResourceGroupsTaggingAPIClient(config);
      const out = [];
      for await (const page of paginateGetResources({ client: tagging }, { ResourceTypeFilters: ["ec2:instance"] })) {
        out.push(...(page.ResourceTagMappingList ?? []));
      }
      return out;
    }
    case "FilterLogEvents": {
      const logs = new CloudWatchLogsClient(config);
      const r = await logs.send(new FilterLogEventsCommand({ logGroupName: args.group ?? "/aws/lambda/checkout",
        startTime: (now - 3600) * 1000, endTime: now * 1000 }));
      return r.events;
    }
    default:
      throw new Error(`unknown --op ${args.op}`);
  }
}

try {
  console.log(JSON.stringify({ ok: true, result: await run() }, null, 1));
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: { name: e.name, code: e.Code ?? e.name, message: e.message,
    status: e.$metadata?.httpStatusCode, attempts: e.$metadata?.attempts } }));
  process.exitCode = 1;
}

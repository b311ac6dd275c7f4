// The Azure SDKs for JavaScript against `vigil cloudsim`'s HTTPS listener
// (run with NODE_EXTRA_CA_CERTS=<ca.pem>):
//   node azure_js.mjs --endpoint https://127.0.0.1:PORT --op metrics|resources [--secret S]
import { ClientSecretCredential } from "@azure/identity";
import { MetricsClient } from "@azure/monitor-query-metrics";
import { ResourceManagementClient } from "@azure/arm-resources";

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].slice(2)] = process.argv[i + 1];
const tenant = "00000000-0000-0000-0000-000000000000";
const sub = "00000000-0000-0000-0000-0000000000aa";
const cred = new ClientSecretCredential(tenant, "11111111-2222-3333-4444-555555555555",
  args.secret ?? "vigil~cloudsim~client~secret",
  { authorityHost: args.endpoint, disableInstanceDiscovery: true });

async function run() {
  if (args.op === "resources") {
    const arm = new ResourceManagementClient(cred, sub, { endpoint: args.endpoint,
      credentialScopes: ["https://management.azure.com/.default"] });
    const out = [];
    for await (const r of arm.resources.list({ filter: "resourceType eq 'Microsoft.Compute/virtualMachines'" })) {
      out.push({ id: r.id, name: r.name, location: r.location, tags: r.tags });
    }
    return out;
  }
  if (args.op === "metrics") {
    const arm = new ResourceManagementClient(cred, sub, { endpoint: args.endpoint,
      credentialScopes: ["https://management.azure.com/.default"] });
    const ids = [];
    for await (const r of arm.resources.list({ filter: "resourceType eq 'Microsoft.Compute/virtualMachines'" })) {
      ids.push({ id: r.id, location: r.location });
    }
    const region = ids[0].location;
    const client = new MetricsClient(args.endpoint, cred);
    const end = new Date(Math.floor(Date.now() / 60000) * 60000);
    const res = await client.queryResources(ids.filter((r) => r.location === region).map((r) => r.id),
      ["Percentage CPU", "Network In Total"], "Microsoft.Compute/virtualMachines",
      { startTime: new Date(end.getTime() - 15 * 60000), endTime: end, interval: "PT5M",
        aggregation: "Average,Maximum" });
    return res.map((r) => ({ resourceId: r.resourceId, metrics: r.metrics.map((m) => ({ name: m.name,
      unit: m.unit, points: m.timeseries.flatMap((t) => t.data.map((d) => [d.timeStamp, d.average, d.maximum])) })) }));
  }
  throw new Error(`unknown --op ${args.op}`);
}

try {
  console.log(JSON.stringify({ ok: true, result: await run() }, null, 1));
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: { name: e.name, code: e.code, message: e.message,
    status: e.statusCode } }));
  process.exitCode = 1;
}

"""Debian's python3-boto3 against `vigil cloudsim`; prints {"ok": ..., "result": ...}.

/usr/bin/python3 aws_boto3.py --endpoint URL --op ListMetrics|GetMetricData|GetResources|FilterLogEvents|GetCallerIdentity
"""
import argparse
import datetime
import json
import sys

import boto3
import botocore.exceptions

p = argparse.ArgumentParser()
p.add_argument("--endpoint", required=True)
p.add_argument("--op", required=True)
p.add_argument("--secret", default="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
a = p.parse_args()
session = boto3.session.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key=a.secret,
                                region_name="us-east-1")
kw = {"endpoint_url": a.endpoint}
now = datetime.datetime.now(datetime.timezone.utc).replace(second=0, microsecond=0)


def run():
    cw = session.client("cloudwatch", **kw)
    if a.op == "ListMetrics":
        out = []
        for page in cw.get_paginator("list_metrics").paginate(Namespace="AWS/EC2"):
            out.extend(page["Metrics"])
        return {"count": len(out), "metrics": out}
    if a.op == "GetMetricData":
        m = cw.list_metrics(Namespace="AWS/EC2", MetricName="CPUUtilization")["Metrics"][0]
        r = cw.get_metric_data(StartTime=now - datetime.timedelta(hours=1), EndTime=now,
                               MetricDataQueries=[{"Id": "q1", "MetricStat": {
                                   "Metric": m, "Period": 300, "Stat": "Average"}}])
        return [{"Id": x["Id"], "Values": x["Values"],
                 "Timestamps": [t.isoformat() for t in x["Timestamps"]]} for x in r["MetricDataResults"]]
    if a.op == "GetMetricStatistics":
        r = cw.get_metric_statistics(Namespace="AWS/EC2", MetricName="CPUUtilization",
                                     StartTime=now - datetime.timedelta(hours=1), EndTime=now,
                                     Period=300, Statistics=["Average", "Maximum"])
        return [{"Average": d["Average"], "Maximum": d["Maximum"]} for d in r["Datapoints"]]
    if a.op == "GetResources":
        t = session.client("resourcegroupstaggingapi", **kw)
        out = []
        for page in t.get_paginator("get_resources").paginate(ResourceTypeFilters=["ec2:instance"]):
            out.extend(page["ResourceTagMappingList"])
        return out
    if a.op == "FilterLogEvents":
        logs = session.client("logs", **kw)
        r = logs.filter_log_events(logGroupName="/aws/lambda/checkout",
                                   startTime=int((now.timestamp() - 3600) * 1000),
                                   endTime=int(now.timestamp() * 1000))
        return r["events"]
    if a.op == "GetCallerIdentity":
        r = session.client("sts", **kw).get_caller_identity()
        return {"Account": r["Account"], "Arn": r["Arn"]}
    raise SystemExit(f"unknown --op {a.op}")


try:
    print(json.dumps({"ok": True, "result": run()}, indent=1, default=str))
except botocore.exceptions.ClientError as e:
    print(json.dumps({"ok": False, "error": {"code": e.response["Error"]["Code"],
                                              "message": e.response["Error"].get("Message", ""),
                                              "status": e.response["ResponseMetadata"].get("HTTPStatusCode")}}))
    sys.exit(1)

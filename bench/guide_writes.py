#!/usr/bin/env python3
"""The guide's Section 3 example (examples/section3_sharding.py), scaled up, timed, against any endpoint.

Write phase, as in the guide: `with tbl.batch_writer() as bw:` and one `bw.put_item` per event, each on a
random shard S0..S3. Read phase, as in the guide: one Query per shard, one after another (the guide's loop),
here following LastEvaluatedKey so that every item is read, then merged newest first with `sorted`.

Only the guide's code is timed (not Python's start-up or boto3's import), in wall and in CPU seconds of this
process. Prints one JSON line.

Environment: TABLE, DDB_ENDPOINT (e.g. http://127.0.0.1:8000), USER_ID (default hotuser), EVENTS (default 120),
PHASE (write | read | both; default both), AWS_REGION.
"""
import json
import os
import random
import time

import boto3
from boto3.dynamodb.conditions import Key

REGION = os.environ.get("AWS_REGION", "ap-southeast-1")
TABLE = os.environ["TABLE"]
ENDPOINT = os.environ.get("DDB_ENDPOINT")
USER_ID = os.environ.get("USER_ID", "hotuser")
EVENTS = int(os.environ.get("EVENTS", "120"))
PHASE = os.environ.get("PHASE", "both")
SHARDS = ["S0", "S1", "S2", "S3"]

# The guide's client, pointed at the same DynamoDB Local as the TypeScript side (local credentials).
ddb = boto3.resource(
    "dynamodb",
    region_name=REGION,
    endpoint_url=ENDPOINT,
    aws_access_key_id="local",
    aws_secret_access_key="local",
)
tbl = ddb.Table(TABLE)

PK = lambda s: f"USER#{USER_ID}#{s}"
SK = lambda ts, n: f"EVENT#{ts:010d}#{n:06d}"

out = {"events": EVENTS, "user": USER_ID}

if PHASE in ("write", "both"):
    t0, c0 = time.perf_counter(), time.process_time()
    # Write across shards (the guide's code; only the range is scaled)
    with tbl.batch_writer() as bw:
        for n in range(EVENTS):
            s = random.choice(SHARDS)
            bw.put_item(Item={"PK": PK(s), "SK": SK(n, n), "type": "EVENT", "payload": {"n": n, "shard": s}})
    out["writeSeconds"] = time.perf_counter() - t0
    out["writeCpuSeconds"] = time.process_time() - c0

if PHASE in ("read", "both"):
    t0, c0 = time.perf_counter(), time.process_time()
    # Fan-out reads and merge (the guide's loop, one shard after another; every page instead of Limit=50)
    items = []
    pages = 0
    for s in SHARDS:
        kwargs = {"KeyConditionExpression": Key("PK").eq(PK(s)), "ScanIndexForward": False}
        while True:
            resp = tbl.query(**kwargs)
            pages += 1
            items.extend(resp["Items"])
            if "LastEvaluatedKey" not in resp:
                break
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]
    merged = sorted(items, key=lambda x: x["SK"], reverse=True)
    out["readSeconds"] = time.perf_counter() - t0
    out["readCpuSeconds"] = time.process_time() - c0
    out["readItems"] = len(merged)
    out["readPages"] = pages

print(json.dumps(out))

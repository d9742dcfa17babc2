#!/usr/bin/env python3
"""Drain3 as the peer of `insights cluster` in bench/clustering.ts: the same JSONL in, {"id","cluster_id"} JSONL out.

Runs drain3.TemplateMiner() with its defaults, as a user gets them (no drain3.ini, no masking instructions), and
feeds every line's title to add_log_message() in file order. Prints one JSON summary line on stdout:
{"lines", "clusters", "mining_seconds", "lines_per_second"}, where the time covers the mining loop only.

Usage: python3 bench/peers/drain3_cluster.py --input incidents.jsonl --output assignments.jsonl
"""
import argparse
import json
import sys
import time

from drain3 import TemplateMiner


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True)
    parser.add_argument("--output", required=True)
    args = parser.parse_args()

    ids = []
    titles = []
    with open(args.input, encoding="utf-8") as source:
        for line in source:
            if not line.strip():
                continue
            record = json.loads(line)
            ids.append(str(record["id"]))
            titles.append(record["title"])

    # Drain3 prints a notice that drain3.ini is missing and falls back to its defaults: that is the point here.
    miner = TemplateMiner()
    cluster_ids = []
    started = time.perf_counter()
    for title in titles:
        cluster_ids.append(miner.add_log_message(title)["cluster_id"])
    seconds = time.perf_counter() - started

    with open(args.output, "w", encoding="utf-8") as sink:
        sink.writelines(json.dumps({"id": i, "cluster_id": str(c)}) + "\n" for i, c in zip(ids, cluster_ids))

    sys.stdout.write(
        json.dumps(
            {
                "lines": len(titles),
                "clusters": len(miner.drain.clusters),
                "mining_seconds": seconds,
                "lines_per_second": len(titles) / seconds if seconds > 0 else None,
            }
        )
        + "\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/bin/sh
# The demo's AWS (docker/compose.demo.yml): the sample's demo scenario (13 billing months ending yesterday, labelled
# anomalies in labels.json, CloudWatch metrics), generated into the /data volume once a day, served by the local AWS
# endpoint (STS, Glue, Athena on DuckDB, S3, CloudWatch) on port 4566.
set -eu
root=/data/aws-local
day="demo $(date -u -d yesterday +%F)"
if [ "$(cat "$root/.generated-for" 2>/dev/null || true)" != "$day" ]; then
  rm -rf "$root"
  node libs/aws-local/dist/sample/cli.js --out "$root" --format legacy --scenario demo
  echo "$day" >"$root/.generated-for"
fi
exec node libs/aws-local/dist/cli.js --root "$root" --port 4566 --host 0.0.0.0

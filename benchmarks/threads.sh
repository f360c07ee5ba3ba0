#!/usr/bin/env bash
# Haven against the raw clients at 1, 4, 8 and 16 threads on real servers (issue 16, part 1), each pair in the same
# JMH run: PostgreSQL writes (pgRawHikari / pgHavenWrite, primary) and reads (pgRawReplica / pgHavenRead, replica),
# Redis GET on the replica, blocking and asynchronous (rawLettuceGet / havenGetEventual, rawLettuceGetAsync /
# havenGetEventualAsync). About 8 minutes on 2 cores. Run it on an otherwise quiet machine: with other builds running
# the error bars are wider than Haven's cost.
#
#   mvn -q -pl benchmarks -am package -DskipTests && benchmarks/threads.sh [output-dir]
set -euo pipefail
out="${1:-benchmarks/results/threads-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$out"
jar=benchmarks/target/benchmarks.jar
for t in 1 4 8 16; do
  java -jar "$jar" 'JdbcOverheadBenchmark.pg(RawHikari|HavenWrite|RawReplica|HavenRead)$' \
    -f 1 -wi 2 -w 2 -i 3 -r 2 -t "$t" -prof gc -rf json -rff "$out/pg-t$t.json" | tee "$out/pg-t$t.txt" | grep -E '^JdbcOverhead.*(avgt|norm)'
  java -jar "$jar" 'RedisOverheadBenchmark.(rawLettuceGet|havenGetEventual|rawLettuceGetAsync|havenGetEventualAsync)$' \
    -f 1 -wi 2 -w 2 -i 3 -r 2 -t "$t" -prof gc -rf json -rff "$out/redis-t$t.json" | tee "$out/redis-t$t.txt" | grep -E '^RedisOverhead.*(avgt|norm)'
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); results in $out"

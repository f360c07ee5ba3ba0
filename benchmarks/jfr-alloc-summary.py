"""Summarises JFR jdk.ObjectAllocationSample events of the JMH worker thread by type and allocation site.

Usage: python3 benchmarks/jfr-alloc-summary.py recording.jfr   (needs the JDK's `jfr` tool on PATH)
Shares are of sampled weight: statistical, good for ranking hot spots, not for exact bytes (use -prof gc).
"""
import json, sys, subprocess, collections
f = sys.argv[1]
out = subprocess.run(["jfr", "print", "--json", "--events", "jdk.ObjectAllocationSample", "--stack-depth", "30", f],
                     capture_output=True, text=True).stdout
ev = json.loads(out)["recording"]["events"]
bytype = collections.Counter(); bysite = collections.Counter(); total = 0
for e in ev:
    v = e["values"]
    th = v.get("eventThread") or {}
    if "jmh-worker" not in (th.get("javaName") or ""):
        continue
    w = v["weight"]; total += w
    cls = v["objectClass"]["name"]
    frames = [fr["method"]["type"]["name"] + "." + fr["method"]["name"] for fr in (v["stackTrace"] or {}).get("frames", [])]
    site = next((x for x in frames if x.startswith(("dev.haven.jdbc", "dev.haven.engine", "dev.haven.internal", "com.zaxxer", "io.github.resilience4j"))), frames[0] if frames else "?")
    # the first Haven/Hikari frame and the frame right above the JDK allocation
    bytype[cls] += w
    bysite[(cls, frames[0] if frames else "?", site)] += w
print("worker samples weight total %.1f MB" % (total / 1e6))
for k, w in bytype.most_common(15):
    print("%5.1f%%  %s" % (100 * w / total, k))
print("--- by (type, allocating frame, first haven/hikari/r4j frame)")
for k, w in bysite.most_common(25):
    print("%5.1f%%  %s" % (100 * w / total, " | ".join(k)))

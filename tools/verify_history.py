#!/usr/bin/env python3
"""Verify an exported laa history (docs/HISTORY_FORMAT.md): python3 verify_history.py FILE"""
import hashlib, json, sys
prev, n = "0" * 64, 0
for n, line in enumerate((l for l in open(sys.argv[1], encoding="utf-8") if l.strip()), 1):
    e = json.loads(line)
    fields = [e["agreement_id"], e["sequence"], e["recorded_at"], e["request_id"], e["actor"], e["kind"], e["payload"], e["prev_hash"]]
    digest = hashlib.sha256(json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")).hexdigest()
    if e["format"] != "laa.history.v1" or e["sequence"] != n or e["prev_hash"] != prev or e["hash"] != digest:
        sys.exit(f"broken at sequence {n}")
    prev = digest
print(f"ok: {n} events, head {prev}") if n else sys.exit("broken at sequence 1: no events")

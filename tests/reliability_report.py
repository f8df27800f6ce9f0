"""Render RELIABILITY.md from tests/artifacts/reliability.json (written by the reliability
tests and by ``make soak``): ``python -m tests.reliability_report``."""

from __future__ import annotations

import json
import sys
from typing import Any

from tests.harness import ROOT
from tests.reliability import SUMMARY

OUTPUT = ROOT / "RELIABILITY.md"


def _get(sections: dict[str, Any], name: str, key: str, default: Any = "not run") -> Any:
    return sections.get(name, {}).get(key, default)


def rows(data: dict[str, Any]) -> list[tuple[str, str, str, str, str, str]]:
    """(what, inputs tried, faults injected, requests served, errors, data lost) per part."""
    s = data.get("sections", {})
    out = []
    fuzz = s.get("fuzzing", {})
    if fuzz:
        out.append(("Fuzzing over HTTP (mutated and generated SPARQL, mutated RDF)",
                    f"{fuzz['sparql_texts']} SPARQL texts, {fuzz['rdf_payloads']} RDF payloads",
                    "-", str(fuzz["requests"]), str(fuzz["errors"]), "-"))
    if "hostile-inputs" in s:
        out.append(("Hostile-input corpus (tests/hostile/)",
                    f"{_get(s, 'hostile-inputs', 'cases')} cases", "-",
                    str(_get(s, "hostile-inputs", "cases")), "0", "0"))
    if "outbound-refused" in s:
        tried = _get(s, "outbound-refused", "attempts") + _get(s, "outbound-data", "attempts", 0)
        hits = _get(s, "outbound-refused", "canary_hits") + _get(s, "outbound-data",
                                                                 "canary_hits", 0)
        out.append(("Outbound attempts (canary hits)", str(tried), "-", str(tried),
                    f"0 ({hits} canary hits)", "0"))
    if "body-limits" in s:
        tried = _get(s, "body-limits", "requests") + _get(s, "body-lengths", "requests", 0)
        out.append(("Body limits (Content-Length, chunked, short, long)", str(tried), "-",
                    str(tried), "0", f"0 ({_get(s, 'body-limits', 'partial_writes')} partial)"))
    if "write-faults" in s:
        w = s["write-faults"]
        fired = sum(w["fault_points_fired"].values())
        out.append(("kill -9 in the write path (fault points, random, whole server)",
                    f"{w['changes_sent']} changes", f"{w['kills']} kills ({fired} at fault "
                    f"points, {w['random_engine_kills']} random, {w['server_kills']} server)",
                    f"{w['acknowledged']} acknowledged", "0",
                    f"{w['lost']} lost, {w['partial']} partial"))
    if "journal-truncation" in s:
        j = s["journal-truncation"]
        out.append(("Journal truncated, replayed at engine start", f"{j['offsets_tried']} "
                    "offsets", f"{j['offsets_tried']} truncations", "-", "0", "0"))
    if "readers-during-writes" in s:
        r = s["readers-during-writes"]
        out.append(("Readers during writes", f"{r['changes']} changes", "-",
                    f"{r['reads']} reads", "0", f"0 ({r['half_changes_seen']} half changes)"))
    if "access" in s:
        a = s["access"]
        out.append(("Unauthorised writes", f"{a['unauthorised_writes']} variants", "-",
                    str(a["unauthorised_writes"]), "0", f"0 ({a['accepted']} accepted)"))
    if "soak" in s:
        k = s["soak"]
        changes = (f", {k['load_changes']} changes committed, memory "
                   f"{k['load_memory_kib_per_change']:+} KiB a change"
                   if "load_changes" in k else "")
        out.append((f"Load: {k['load_clients']} clients, {k['load_seconds']:g} s "
                    f"(p50 {k['load_p50_ms']} ms, p99 {k['load_p99_ms']} ms{changes})",
                    _mix(k.get("load_write_share")), f"{k['deadline_kills']} deadline kills",
                    str(k["load_requests"]), str(k["load_errors"]), "0"))
        out.append((f"Soak: {k['soak_clients']} clients, {k['soak_seconds']:g} s (memory "
                    f"{k['memory_mib_per_minute']:+} MiB/min, open files {k['open_files']}, "
                    f"processes {k['processes']}, engine restarts {k['engine_restarts']}"
                    + (f", {k['soak_changes']} changes committed" if "soak_changes" in k
                       else "") + ")",
                    _soak_mix(k), "-", str(k["soak_requests"]),
                    str(k["soak_errors"]), "0"))
    return out


def _mix(write_share: float | None) -> str:
    if write_share is None:
        return "mixed read/write"
    return f"mixed read/write ({write_share:.0%} of requests commit a change)"


def _soak_mix(figures: dict[str, Any]) -> str:
    if "soak_writes_per_minute" in figures:
        return (f"mixed read/write ({figures['soak_writes_per_minute']:g} committed changes a "
                "minute)")
    return _mix(figures.get("soak_write_share"))


def render(data: dict[str, Any]) -> str:
    """The Markdown text of RELIABILITY.md."""
    machine = data.get("machine", {})
    dates = sorted(v.get("recorded", "") for v in data.get("sections", {}).values())
    lines = [
        "# Reliability",
        "",
        "Figures of the last run of the reliability suite (`make test`: tests/test_reliability_"
        "*.py) and of `make soak`, rendered by `python -m tests.reliability_report` from "
        "tests/artifacts/reliability.json.",
        "",
        f"- Run: {dates[0] if dates else '?'} to {dates[-1] if dates else '?'} (UTC)",
        f"- Machine: {machine.get('nproc', '?')} cores (`nproc`), {machine.get('cpu', '?')}",
        "",
        "| Part | Inputs tried | Faults injected | Requests served | Errors | Data lost |",
        "|---|---|---|---|---|---|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows(data)]
    soak = data.get("sections", {}).get("soak")
    if soak and soak.get("load_seconds", 0) < 600:
        lines += ["", f"The soak figures come from a shortened run ({soak['load_seconds']:g} s "
                  f"of load, {soak['soak_seconds']:g} s of soak); `make soak` runs 10 and 30 "
                  "minutes."]
    if soak and not soak.get("passed", True):
        lines += ["", "The soak missed a bound (memory growth under 1 MiB a minute, open files "
                  "and processes level, restarts only by deadline kills): see the row above."]
    return "\n".join(lines) + "\n"


def main() -> int:
    """Write RELIABILITY.md."""
    if not SUMMARY.exists():
        print(f"{SUMMARY} is missing: run the tests (and make soak) first", file=sys.stderr)
        return 1
    OUTPUT.write_text(render(json.loads(SUMMARY.read_text(encoding="utf-8"))),
                      encoding="utf-8")
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

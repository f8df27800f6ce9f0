"""The Markdown table of the peer benchmark, with healthkg/peer ratios and the targets."""

from __future__ import annotations

from typing import Any

#: The goals the benchmark reports on (not asserted by tests).
TARGETS = {
    "cold_throughput_vs_oxigraph": 0.5,
    "cold_p50_vs_oxigraph": 2.0,
    "repeated_throughput_vs_oxigraph": 1.0,
    "throughput_vs_rdflib_at_100k": 10.0,
    "load_s_at_1m": 15.0,
    "memory_mb_at_1m": 1024.0,
    "p50_ms_at_1m": 100.0,
    "commit_p50_ms_at_1m": 200.0,
}


def _ratio(a: float | None, b: float | None) -> str:
    if not a or not b:
        return "–"
    return f"{a / b:.2f}x"


def _get(figures: dict[str, Any], server: str, query: str, mode: str, key: str) -> Any:
    return (figures["servers"].get(server, {}).get("queries", {}).get(query, {})
            .get(mode, {}).get(key))


def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and value >= 100:
        return f"{value:,.0f}{unit}"
    return f"{value:,.2f}{unit}" if isinstance(value, float) else f"{value}{unit}"


def size_table(label: str, figures: dict[str, Any], queries: list[str]) -> list[str]:
    """The tables of one size."""
    servers = list(figures["servers"])
    lines = [f"### {label} ({figures['triples_generated']:,} generated triples plus the "
             "project's files)", ""]
    lines += ["| Server | Load (s) | Peak memory (MB) | Answers equal to healthkg's |",
              "|---|---|---|---|"]
    for server in servers:
        s = figures["servers"][server]
        agree = figures["agreement"].get(server)
        agreed = "reference" if agree is None else (
            f"{sum(v is True for v in agree.values())}/{len(agree)}")
        lines.append(f"| {server} | {s['load_s']} | {s['peak_memory_mb']} | {agreed} |")
    lines.append("")
    peers = [s for s in servers if s != "healthkg"]
    head = ("| Query | hk cold p50 / p99 (ms) | hk cold req/s | hk repeated req/s | "
            + " | ".join(f"{p} cold p50 (ms) | {p} cold req/s | {p} repeated req/s | "
                         f"hk/{p} cold req/s | hk/{p} cold p50 | hk/{p} repeated req/s"
                         for p in peers) + " |")
    lines += [head, "|" + "---|" * (4 + 6 * len(peers))]
    for query in queries:
        hk = [_get(figures, "healthkg", query, m, k) for m, k in
              (("cold", "p50_ms"), ("cold", "p99_ms"), ("cold", "requests_per_s"),
               ("repeated", "requests_per_s"))]
        row = [query, f"{_fmt(hk[0])} / {_fmt(hk[1])}", _fmt(hk[2]), _fmt(hk[3])]
        for peer in peers:
            p50 = _get(figures, peer, query, "cold", "p50_ms")
            cold = _get(figures, peer, query, "cold", "requests_per_s")
            rep = _get(figures, peer, query, "repeated", "requests_per_s")
            row += [_fmt(p50), _fmt(cold), _fmt(rep), _ratio(hk[2], cold),
                    _ratio(hk[0], p50), _ratio(hk[3], rep)]
        lines.append("| " + " | ".join(row) + " |")
    writes = figures["servers"].get("healthkg", {}).get("writes", {})
    lines.append("")
    if writes.get("measured"):
        lines.append(f"SHACL-gated 100-triple commits through `/update`: p50 "
                     f"{writes['p50_ms']} ms, p99 {writes['p99_ms']} ms over "
                     f"{writes['commits']} commits.")
    else:
        lines.append(f"Write mix: not measured ({writes.get('reason', 'not run')}).")
    lines.append("")
    return lines


def targets(results: dict[str, Any]) -> list[str]:
    """Each target with the measured value and met / missed by how much."""
    lines = ["### Targets", "", "| Size | Target | Measured | Verdict |", "|---|---|---|---|"]

    def verdict(label: str, what: str, value: float | None, goal: float, *,
                at_least: bool) -> None:
        if value is None:
            lines.append(f"| {label} | {what} | not measured | – |")
            return
        met = value >= goal if at_least else value <= goal
        miss = "" if met else (f" (missed by {abs(value / goal - 1) * 100:.0f}%)")
        lines.append(f"| {label} | {what} | {value:,.2f} | {'met' if met else 'missed'}"
                     f"{miss} |")

    for label, figures in results["sizes"].items():
        queries = results["queries"]
        if "oxigraph" in figures["servers"]:
            for query in queries:
                hk_c = _get(figures, "healthkg", query, "cold", "requests_per_s")
                ox_c = _get(figures, "oxigraph", query, "cold", "requests_per_s")
                hk_p = _get(figures, "healthkg", query, "cold", "p50_ms")
                ox_p = _get(figures, "oxigraph", query, "cold", "p50_ms")
                hk_r = _get(figures, "healthkg", query, "repeated", "requests_per_s")
                ox_r = _get(figures, "oxigraph", query, "repeated", "requests_per_s")
                verdict(label, f"{query}: cold req/s ≥ 0.5x Oxigraph",
                        hk_c / ox_c if hk_c and ox_c else None, 0.5, at_least=True)
                verdict(label, f"{query}: cold p50 ≤ 2x Oxigraph",
                        hk_p / ox_p if hk_p and ox_p else None, 2.0, at_least=False)
                verdict(label, f"{query}: repeated req/s ≥ Oxigraph",
                        hk_r / ox_r if hk_r and ox_r else None, 1.0, at_least=True)
        if "rdflib-endpoint" in figures["servers"] and label.lower() == "100k":
            for query in queries:
                hk_c = _get(figures, "healthkg", query, "cold", "requests_per_s")
                rd_c = _get(figures, "rdflib-endpoint", query, "cold", "requests_per_s")
                verdict(label, f"{query}: cold req/s ≥ 10x rdflib-endpoint",
                        hk_c / rd_c if hk_c and rd_c else None, 10.0, at_least=True)
        if label.lower() == "1m":
            hk = figures["servers"]["healthkg"]
            verdict(label, "load ≤ 15 s", hk["load_s"], 15.0, at_least=False)
            verdict(label, "peak memory ≤ 1024 MB", hk["peak_memory_mb"], 1024.0,
                    at_least=False)
            for query in queries:
                verdict(label, f"{query}: cold p50 ≤ 100 ms",
                        _get(figures, "healthkg", query, "cold", "p50_ms"), 100.0,
                        at_least=False)
            writes = hk.get("writes", {})
            verdict(label, "100-triple commit p50 ≤ 200 ms",
                    writes.get("p50_ms") if writes.get("measured") else None, 200.0,
                    at_least=False)
    return lines


def markdown(results: dict[str, Any]) -> str:
    """The whole report."""
    machine = results["machine"]
    lines = ["# healthkg and its peers", "",
             f"Run {results['date']} on {machine['cpu']}, {machine['cores']} cores, Python "
             f"{machine['python']}; {results['connections']} connections for throughput, "
             f"{results['seconds']} s per throughput run. Cold: every request a distinct "
             "text; repeated: 80% of requests one text. hk = healthkg.", ""]
    for label, figures in results["sizes"].items():
        lines += size_table(label, figures, results["queries"])
    lines += targets(results)
    return "\n".join(lines) + "\n"


def summary(results: dict[str, Any]) -> str:
    """A narrow table per size for the README: latencies, throughputs and the ratios."""
    lines: list[str] = []
    for label, figures in results["sizes"].items():
        servers = figures["servers"]
        load = ", ".join(f"{name} {s['load_s']} s / {s['peak_memory_mb']:,.0f} MB"
                         for name, s in servers.items())
        lines += [f"**{label}** (load time / peak memory: {load})", "",
                  "| Query | cold p50 hk / ox (ms) | cold req/s hk / ox (ratio) | "
                  "repeated req/s hk / ox (ratio) | cold req/s hk / rdflib-endpoint (ratio) |",
                  "|---|---|---|---|---|"]
        for query in results["queries"]:
            def g(server: str, mode: str, key: str, figures: dict[str, Any] = figures,
                  query: str = query) -> Any:
                return _get(figures, server, query, mode, key)

            hk_c, ox_c = g("healthkg", "cold", "requests_per_s"), g("oxigraph", "cold",
                                                                    "requests_per_s")
            hk_r, ox_r = (g("healthkg", "repeated", "requests_per_s"),
                          g("oxigraph", "repeated", "requests_per_s"))
            rd_c = g("rdflib-endpoint", "cold", "requests_per_s")
            lines.append(
                f"| {query} | {_fmt(g('healthkg', 'cold', 'p50_ms'))} / "
                f"{_fmt(g('oxigraph', 'cold', 'p50_ms'))} | {_fmt(hk_c)} / {_fmt(ox_c)} "
                f"({_ratio(hk_c, ox_c)}) | {_fmt(hk_r)} / {_fmt(ox_r)} ({_ratio(hk_r, ox_r)}) | "
                + (f"{_fmt(hk_c)} / {_fmt(rd_c)} ({_ratio(hk_c, rd_c)}) |" if rd_c else "– |"))
        writes = servers.get("healthkg", {}).get("writes", {})
        lines += ["", ("SHACL-gated 100-triple commits: p50 "
                       f"{writes['p50_ms']} ms, p99 {writes['p99_ms']} ms."
                       if writes.get("measured") else
                       f"Commits: not measured ({writes.get('reason', 'not run')})."), ""]
    return "\n".join(lines)

"""The benchmark's JSON as Markdown tables: ours against stock haystack-Whoosh, and against
the peer engines (SQLite FTS5, tantivy) when --peers ran."""


def _ratio(stock, ours):
    if not stock or not ours:
        return "–"
    ratio = stock / ours
    return f"{ratio:.1f}×" if ratio >= 0.95 else f"{ratio:.2f}×"


def _cpu(measured, key):
    return measured["cpu"][key] if measured and "cpu" in measured else None


def markdown(result):
    ours_build, view, http = result["ours_rebuild"], result["ours_view"], result["ours_http"]
    stock_build, stock_query = result.get("stock_index"), result.get("stock_query")
    saves = result["save_to_searchable_ms"]
    rows = [
        ("full rebuild, documents/s", ours_build["docs_per_s"], stock_build and stock_build["docs_per_s"], "up"),
        (
            "full rebuild, CPU ms per document",
            ours_build.get("cpu_ms_per_doc"),
            stock_build and stock_build.get("cpu_ms_per_doc"),
            "down",
        ),
        ("index size, MB", ours_build["index_mb"], stock_build and stock_build["index_mb"], "down"),
        ("search via Django view, p50 ms", view["p50"], stock_query and stock_query["p50"], "down"),
        ("search via Django view, p95 ms", view["p95"], stock_query and stock_query["p95"], "down"),
        ("search via Django view, p99 ms", view["p99"], stock_query and stock_query["p99"], "down"),
        ("search via Django view, CPU p50 ms", _cpu(view, "p50"), _cpu(stock_query, "p50"), "down"),
        ("search via Django view, CPU p95 ms", _cpu(view, "p95"), _cpu(stock_query, "p95"), "down"),
        ("search over HTTP (gunicorn), p50 ms", http["p50"], None, None),
        ("search over HTTP (gunicorn), p95 ms", http["p95"], None, None),
        ("search over HTTP (gunicorn), p99 ms", http["p99"], None, None),
        ("save → searchable while serving, p50/p95 ms", f"{saves['p50']} / {saves['p95']}", None, None),
        ("peak RSS per gunicorn worker, MB", result["worker_peak_rss_mb"], None, None),
        ("first request (snapshot load), ms", view["first_request_ms"], None, None),
    ]
    lines = [
        f"### {result['articles']:,} articles — {result['corpus']} — {result['machine']} — {result['when']}",
        "",
        "| measure | ours | stock haystack-Whoosh | ours vs stock |",
        "|---|---:|---:|---:|",
    ]
    for label, ours, theirs, better in rows:
        ratio = "–"
        if theirs is not None and better == "up":
            ratio = _ratio(ours, theirs)
        elif theirs is not None and better == "down":
            ratio = _ratio(theirs, ours)
        lines.append(f"| {label} | {ours} | {theirs if theirs is not None else '–'} | {ratio} |")
    if stock_build and stock_build["documents"] != result["articles"]:
        lines.append(f"\nStock indexed {stock_build['documents']:,} of the articles (--stock-limit).")
    lines += _peer_lines(result)
    lines.append(f"\nQuery mix ({len(result['queries'])} requests × 5): " + ", ".join(result["queries"]))
    if view["refused"]:
        lines.append("Refused as too broad (400): " + ", ".join(view["refused"]))
    lines.append("Slowest (median ms): " + ", ".join(f"{name} {ms}" for ms, name in view["slowest"]))
    if "load_seconds" in result:
        lines.append(f"Database load {result['load_seconds']} s.")
    return "\n".join(lines)


def _peer_lines(result):
    """Ours (the whole page through the view) against each peer (the engine alone), same run."""
    peers = result.get("peer_query") or {}
    if not peers:
        return []
    view, build = result["ours_view"], result["ours_rebuild"]
    lines = [
        "",
        "| engine, same articles, same run | build docs/s | p50 ms | p95 ms | p99 ms | CPU p50 ms |"
        " ours vs it, p50 | ours vs it, p95 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        f"| ours, the full search page through the Django view | {build['docs_per_s']} | {view['p50']} |"
        f" {view['p95']} | {view['p99']} | {_cpu(view, 'p50')} | – | – |",
    ]
    for name, query in peers.items():
        built = result["peer_build"][name]
        lines.append(
            f"| {name}: engine only (top 20, count, 3 facets, 20 snippets) | {built['docs_per_s']} |"
            f" {query['p50']} | {query['p95']} | {query['p99']} | {_cpu(query, 'p50')} |"
            f" {_ratio(query['p50'], view['p50'])} | {_ratio(query['p95'], view['p95'])} |"
        )
    lines.append("\n(ratio = its time / ours: above 1× we are faster)")
    kinds = view.get("per_kind_p50", {})
    lines += ["", "| kind, p50 ms | ours (page) | " + " | ".join(peers) + " |", "|---|" + "---:|" * (len(peers) + 1)]
    for kind, ms in kinds.items():
        lines.append(
            f"| {kind} | {ms} | " + " | ".join(str(q["per_kind_p50"].get(kind)) for q in peers.values()) + " |"
        )
    return lines


def view_table(ours, peers):
    """Per-kind medians (wall, and CPU in brackets) and overall percentiles of one view-only
    run: ours against each peer."""
    names = list(peers)
    lines = ["| kind, p50 ms (CPU) | ours (page) | " + " | ".join(names) + " |", "|---|" + "---:|" * (len(names) + 1)]
    for kind in ours["per_kind_p50"]:
        cells = [
            f"{figures['per_kind_p50'][kind]} ({figures['per_kind_cpu_p50'][kind]})"
            for figures in (ours, *peers.values())
        ]
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    for key in ("p50", "p95", "p99"):
        cells = [f"{figures[key]} ({figures['cpu'][key]})" for figures in (ours, *peers.values())]
        lines.append(f"| all, {key} | " + " | ".join(cells) + " |")
    slowest = ", ".join(
        f"{kind} (round {number}) {wall} ({cpu})" for wall, cpu, kind, number in ours["slowest_requests"]
    )
    lines.append(f"\nOur slowest requests, ms wall (CPU): {slowest}")
    return "\n".join(lines)

"""Reports a reviewer reads: Markdown and HTML tables, charts, and the failures side by side."""

from __future__ import annotations

import html
import math
from typing import Any

SHOWN = [
    "hit@1",
    "hit@3",
    "hit@5",
    "hit@10",
    "mrr",
    "citation_support",
    "citation_precision",
    "key_fact_recall",
    "all_facts",
    "all_facts_shown",
    "all_facts_unfolded",
    "similarity",
    "refusal_recall",
    "false_refusal",
    "latency_p50_ms",
    "latency_p95_ms",
    "sentence_support",
    "llm_fallback",
    "faithfulness",
    "correctness",
    "judge_failures",
]


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        return f"{value:.1f}" if value > 1.5 else f"{value:.3f}"
    return str(value)


def markdown(report: dict[str, Any], failures: list[dict[str, Any]]) -> str:
    engines = list(report["engines"])
    lines = [
        "# Palermo evaluation",
        "",
        f"Sets: {', '.join(report['sets'])}; {report['cases']} cases.",
        "",
    ]
    lines += [
        "## Overall",
        "",
        "| metric | " + " | ".join(engines) + " |",
        "|---|" + "---|" * len(engines),
    ]
    for metric in ["cases", "answerable", "unanswerable", *SHOWN]:
        values = [report["engines"][e]["overall"].get(metric, float("nan")) for e in engines]
        lines.append(f"| {metric} | " + " | ".join(_fmt(v) for v in values) + " |")
    if report.get("check"):
        lines += ["", "## Gate", ""]
        lines += [f"- {item}" for item in report["check"]["problems"]] or [
            "- all metrics within floors and tolerances"
        ]
    first = engines[0]
    lines += ["", f"## By type and tag ({first})", ""]
    columns = [
        "cases",
        "hit@5",
        "citation_support",
        "all_facts",
        "all_facts_shown",
        "all_facts_unfolded",
        "key_fact_recall",
        "refusal_recall",
        "false_refusal",
    ]
    lines += ["| group | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]
    for group, values in report["engines"][first]["groups"].items():
        lines.append(
            f"| {group} | " + " | ".join(_fmt(values.get(c, float("nan"))) for c in columns) + " |"
        )
    lines += ["", f"## Failures ({first}: {len(failures)})", ""]
    if report.get("blind"):
        lines.append("A blind set: only the ids that fail and why, never the cases themselves.\n")
        lines += [f"- {f['id']} ({f['type']}): {f['problem']}" for f in failures]
        return "\n".join(lines)
    for failure in failures:
        lines += [
            f"### {failure['id']} ({failure['type']}): {failure['problem']}",
            f"**Question:** {failure['question']}",
            f"**Expected:** {failure['expected']}",
            f"**Answer:** {failure['answer']}",
        ]
        lines += [
            f"- [{c['n']}] {c['title']} — {c['section']}: “{c['quote']}”"
            for c in failure["citations"]
        ]
        lines.append("")
    return "\n".join(lines)


def _bars(title: str, items: list[tuple[str, float]], width: int = 520) -> str:
    height = 22 * len(items) + 30
    rows = [f'<text x="0" y="16" font-weight="bold">{html.escape(title)}</text>']
    for i, (label, value) in enumerate(items):
        y = 30 + 22 * i
        value = 0.0 if math.isnan(value) else value
        rows.append(f'<text x="0" y="{y + 14}" font-size="12">{html.escape(label)}</text>')
        rows.append(
            f'<rect x="200" y="{y}" width="{max(1, value * (width - 260)):.0f}" height="16" fill="#2563eb"/>'
        )
        rows.append(
            f'<text x="{205 + value * (width - 260):.0f}" y="{y + 13}" font-size="12">{value:.2f}</text>'
        )
    return f'<svg width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">{"".join(rows)}</svg>'


def _histogram(latencies: list[float], width: int = 520) -> str:
    if not latencies:
        return ""
    top = max(latencies) or 1.0
    bins = [0] * 12
    for value in latencies:
        bins[min(11, int(value / top * 12))] += 1
    peak = max(bins) or 1
    bar = (width - 40) / 12
    rows = ['<text x="0" y="14" font-weight="bold">Latency per case (ms)</text>']
    for i, count in enumerate(bins):
        h = count / peak * 120
        rows.append(
            f'<rect x="{20 + i * bar:.0f}" y="{150 - h:.0f}" width="{bar - 2:.0f}" height="{h:.0f}" fill="#0f766e"/>'
        )
        rows.append(
            f'<text x="{20 + i * bar:.0f}" y="166" font-size="10">{i * top / 12:.0f}</text>'
        )
    return f'<svg width="{width}" height="175" xmlns="http://www.w3.org/2000/svg">{"".join(rows)}</svg>'


def html_report(
    report: dict[str, Any], failures: list[dict[str, Any]], latencies: list[float]
) -> str:
    engines = list(report["engines"])
    first = engines[0]
    head = "".join(f"<th>{html.escape(e)}</th>" for e in engines)
    rows = "".join(
        f"<tr><td>{m}</td>"
        + "".join(
            f"<td>{_fmt(report['engines'][e]['overall'].get(m, float('nan')))}</td>"
            for e in engines
        )
        + "</tr>"
        for m in ["cases", *SHOWN]
    )
    types = [
        (g[5:], v.get("all_facts", v.get("refusal_recall", float("nan"))))
        for g, v in report["engines"][first]["groups"].items()
        if g.startswith("type:")
    ]
    gate = ""
    if report.get("check"):
        problems = report["check"]["problems"]
        gate = (
            "<h2>Gate</h2><ul>"
            + (
                "".join(f"<li>{html.escape(p)}</li>" for p in problems)
                or "<li>all metrics within floors and tolerances</li>"
            )
            + "</ul>"
        )
    cards = []
    for f in failures:
        if report.get("blind"):
            cards.append(
                f"<p>{html.escape(f['id'])} ({html.escape(f['type'])}): {html.escape(f['problem'])}</p>"
            )
            continue
        cites = "".join(
            f"<li>[{c['n']}] <b>{html.escape(c['title'])}</b> — {html.escape(c['section'] or '')}<br><q>{html.escape(c['quote'])}</q></li>"
            for c in f["citations"]
        )
        cards.append(
            f"<div class='case'><h3>{html.escape(f['id'])} ({html.escape(f['type'])}): {html.escape(f['problem'])}</h3>"
            f"<div class='grid'><div><h4>Question</h4>{html.escape(f['question'])}<h4>Expected</h4>{html.escape(f['expected'])}</div>"
            f"<div><h4>Answer</h4>{html.escape(f['answer'])}</div><div><h4>Cited passages</h4><ul>{cites}</ul></div></div></div>"
        )
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>Palermo evaluation</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:1200px}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ddd;padding:4px 8px;text-align:right}}td:first-child{{text-align:left}}
.case{{border-top:1px solid #ccc;padding:.5rem 0}}.grid{{display:grid;grid-template-columns:1fr 1fr 1.4fr;gap:1rem}}
q{{background:#fef3c7}}</style></head><body>
<h1>Palermo evaluation</h1><p>Sets: {html.escape(", ".join(report["sets"]))}; {report["cases"]} cases.</p>
<h2>Overall</h2><table><tr><th>metric</th>{head}</tr>{rows}</table>{gate}
<h2>Charts ({html.escape(first)})</h2>{_bars("All facts (refusal recall for unanswerable) by type", types)}{_histogram(latencies)}
<h2>Failures ({len(failures)})</h2>{"".join(cards)}</body></html>"""

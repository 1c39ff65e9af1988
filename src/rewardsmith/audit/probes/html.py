"""``render_hacking_html``: the hacking audit as a self-contained HTML fragment (no external
resources), for the audit report's "Reward hacking" section."""

from __future__ import annotations

from html import escape
from typing import Any


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.3g}"


def _probes(probes: dict[str, Any]) -> str:
    rows = []
    for name, p in sorted(probes.items(), key=lambda kv: -kv[1]["exploit_rate"]):
        flag = ' class="rs-bad"' if p["exploit_rate"] > 0 else ""
        example = p["examples"][0]["completion"][:160] if p["examples"] else ""
        paying = ", ".join(f"{escape(k)} ({_pct(v)})" for k, v in p.get("components", {}).items() if v > 0)
        rows.append(
            f"<tr{flag}><td>{escape(name)}</td><td>{_pct(p['exploit_rate'])}</td><td>{p['n']}</td>"
            f"<td>{p['errors']}</td><td>{paying}</td><td><code>{escape(example)}</code></td></tr>"
        )
    return (
        "<h3>Probes on your data</h3><table><tr><th>probe</th><th>exploit rate</th><th>n</th>"
        "<th>errors</th><th>paid by</th><th>example</th></tr>" + "".join(rows) + "</table>"
    )


def _corpus(corpus: dict[str, Any]) -> str:
    classes = ", ".join(corpus["exploit_classes"]) or "none"
    advice = (
        f"<p>Partial credit detected: advised threshold {_num(corpus['advised_threshold'])}.</p>"
        if corpus["partial_credit"]
        else ""
    )
    failures = "".join(
        f"<tr><td>{escape(f['id'])}</td><td>{escape(f['expected'])}</td><td>{_num(f['reward'])}</td>"
        f"<td><code>{escape(f['reference'])}</code></td><td><code>{escape(f['completion'][:120])}</code></td>"
        f"<td>{escape(f['reason'])}</td></tr>"
        for f in corpus["failures"][:15]
    )
    return (
        f"<h3>Adversarial corpus ({corpus['n']} cases, {corpus['n_contested']} contested left out)</h3>"
        f"<p>Profile: <b>{escape(corpus['profile'])}</b>. False positives {_pct(corpus['false_positive_rate'])}, "
        f"false negatives {_pct(corpus['false_negative_rate'])}. Exploit classes accepted: {escape(classes)}.</p>"
        + advice
        + (
            "<table><tr><th>case</th><th>expected</th><th>reward</th><th>reference</th><th>completion</th>"
            "<th>why</th></tr>" + failures + "</table>"
            if failures
            else "<p>Every case got its expected verdict.</p>"
        )
    )


def _search(search: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td>{escape(str(e['id']))}</td><td>{_num(e['reward'])}</td><td>{_num(e['correct_reward'])}</td>"
        f"<td>{escape(' → '.join(e['edits']))}</td><td><code>{escape(e['completion'][:160])}</code></td></tr>"
        for e in search["exploits"]
    )
    return (
        f"<h3>Attack search ({search['evaluations']} of {search['budget']} evaluations, seed {search['seed']})</h3>"
        f"<p>Highest reward without a correct answer: {_num(search['max_reward'])}; relative to correct answers: "
        f"{_pct(search['relative_reward'])}.</p>"
        + (
            "<table><tr><th>record</th><th>reward</th><th>correct</th><th>edits</th><th>completion</th></tr>"
            + rows + "</table>"
            if rows
            else "<p>No exploit found within the budget.</p>"
        )
    )


def render_hacking_html(result: dict[str, Any]) -> str:
    """The hacking audit as an HTML fragment with its own scoped styles.

    >>> html = render_hacking_html({"probes": {"empty": {"exploit_rate": 0.0, "n": 2, "errors": 0,
    ...     "examples": [], "components": {}}}})
    >>> html.startswith('<section class="rs-hacking">') and "empty" in html
    True
    """
    style = (
        "<style>.rs-hacking table{border-collapse:collapse;margin:.5em 0}.rs-hacking td,.rs-hacking th"
        "{border:1px solid #ddd;padding:3px 6px;font-size:13px;vertical-align:top}.rs-hacking .rs-bad"
        "{background:#fde8e8}.rs-hacking code{white-space:pre-wrap}</style>"
    )
    parts = ['<section class="rs-hacking">', style]
    if result.get("probes"):
        parts.append(_probes(result["probes"]))
    if result.get("corpus"):
        parts.append(_corpus(result["corpus"]))
    if result.get("search"):
        parts.append(_search(result["search"]))
    parts.append("</section>")
    return "".join(parts)

"""Hacking audit: probes on the user's data, a built-in adversarial corpus, an attack search.

``audit_hacking(reward, samples)`` runs all three and returns a JSON-able dict;
``flat_metrics(result)`` names its headline numbers for ``--fail-on`` rules;
``render_hacking_html(result)`` draws it as an HTML fragment. Probes are a registry
(``@register_probe`` or the ``rewardsmith.probes`` entry-point group), so users add their own.
"""

from .audit import audit_hacking, flat_metrics
from .corpus import load_corpus, run_corpus
from .html import render_hacking_html
from .registry import Probe, ProbeCase, Variant, get_probe, probe_names, register_probe
from .runner import run_probes
from .search import attack_search

__all__ = [
    "Probe",
    "ProbeCase",
    "Variant",
    "attack_search",
    "audit_hacking",
    "flat_metrics",
    "get_probe",
    "load_corpus",
    "probe_names",
    "register_probe",
    "render_hacking_html",
    "run_corpus",
    "run_probes",
]

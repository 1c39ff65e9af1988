"""The report's hand-written SVG charts: where the legend goes (the browser test measures real text)."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

from rewardsmith.audit import svg

NS = {"svg": "http://www.w3.org/2000/svg"}
SERIES = {
    "reward's pick (best-of-k)": [0.5, 0.5, 0.25, 0.0],
    "pass@k (oracle)": [0.5, 0.83, 1.0, 1.0],
    "majority vote": [0.5, 0.5, 0.75, None],
}


def _chart() -> ET.Element:
    return ET.fromstring(svg.lines([1, 2, 3, 4], SERIES, "best-of-k", "k", "accuracy"))


def test_legend_is_a_column_right_of_the_plot_area_one_row_per_series():
    chart = _chart()
    legend = chart.find("svg:g[@class='legend']", NS)
    assert legend is not None
    names = legend.findall("svg:text", NS)
    assert [n.text for n in names] == list(SERIES)
    plot_right = svg.WIDTH - svg.RIGHT
    for element in legend:
        x = float(element.get("x", element.get("x1", element.get("cx", "nan"))))
        assert x > plot_right
    rows = [float(n.get("y")) for n in names]
    assert [b - a for a, b in itertools.pairwise(rows)] == [svg.LEGEND_ROW] * 2


def test_picture_is_widened_for_the_longest_name_and_curves_stay_in_the_plot_area():
    chart = _chart()
    width = float(chart.get("viewBox").split()[2])
    assert width == float(chart.get("width")) > svg.WIDTH
    names = chart.findall("svg:g[@class='legend']/svg:text", NS)
    assert max(float(n.get("x")) + svg.CHAR_WIDTH * len(n.text) for n in names) <= width
    for polyline in chart.findall("svg:polyline", NS):
        xs = [float(p.split(",")[0]) for p in polyline.get("points").split()]
        assert svg.LEFT <= min(xs) and max(xs) <= svg.WIDTH - svg.RIGHT


def test_each_series_has_its_own_dash_so_coinciding_curves_stay_visible():
    same = {"a": [0.1, 0.2], "b": [0.1, 0.2], "c": [0.1, 0.2]}
    chart = ET.fromstring(svg.lines([1, 2], same, "t", "x", "y"))
    dashes = [p.get("stroke-dasharray") for p in chart.findall("svg:polyline", NS)]
    assert dashes == [None, "7 4", "2 3"]


def test_charts_without_a_legend_keep_the_plain_width():
    chart = ET.fromstring(svg.histogram({"kind": "discrete", "values": [0.0, 1.0], "counts": [3, 1]}, "h"))
    assert chart.get("viewBox") == f"0 0 {svg.WIDTH} {svg.HEIGHT}"

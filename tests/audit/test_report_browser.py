"""The HTML report in a real headless Chromium: it loads from disk offline and its plots render.

Needs the Debian packages ``chromium`` and ``chromium-driver`` (the project's test setup installs
them) and selenium (dev extra). A screenshot is saved under ``artifacts/`` for people to look at.
"""

from __future__ import annotations

import os
import shutil

import pytest

from rewardsmith.audit import Options, audit
from rewardsmith.audit.report import write_report
from rewardsmith.combine.sum import Sum
from rewardsmith.core import Sample
from rewardsmith.verifiers.format.regex import FormatRegex
from rewardsmith.verifiers.text.exact import TextExact

from ..conftest import REPO_ROOT

webdriver = pytest.importorskip("selenium.webdriver")

CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1200,900",
)


def example_samples() -> list[Sample]:
    """Eight prompts x four completions: right and wrong answers, with and without the format."""
    samples = []
    for group in range(8):
        answer = str(group * 7)
        for j, text in enumerate([f"Answer: {answer}", answer, f"Answer: {group}", f"I think {answer} maybe"]):
            samples.append(Sample(text, reference=answer, group=group, id=f"{group}-{j}", label=int(j < 2 or False)))
    return samples


@pytest.fixture(scope="module")
def driver():
    binary, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    if not binary or not chromedriver:
        message = "chromium and chromium-driver are not installed (apt-get install -y chromium chromium-driver)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; .ci/run installs them, so CI must check the report in a browser")
        pytest.skip(message)
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service(chromedriver), options=options)
    yield browser
    browser.quit()


def test_report_renders_its_plots_in_chromium_offline(tmp_path, driver):
    reward = Sum([TextExact(), FormatRegex(r"^Answer:")], weights=[1.0, 2.0])
    report = audit(reward, example_samples(), Options(threshold=1.0), fail_on=["accuracy<0.9"])
    paths = write_report(report, tmp_path)
    html = paths["html"].read_text()
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html and "<script" not in html
    driver.get(paths["html"].resolve().as_uri())
    sections = [s.get_attribute("id") for s in driver.find_elements("css selector", "section")]
    assert sections == [
        "rules",
        "distribution",
        "components",
        "agreement",
        "best_of_n",
        "group_signal",
        "efficiency",
        "bias",
        "health",
    ]
    plots = driver.find_elements("css selector", "svg.plot")
    assert len(plots) >= 7
    for plot in plots:
        assert plot.size["width"] > 200 and plot.size["height"] > 100
        assert plot.find_elements("css selector", "rect, circle, polyline")
    assert "GATE FAILED" in driver.find_element("css selector", "header h1").text
    errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []
    artifacts = REPO_ROOT / "artifacts"
    artifacts.mkdir(exist_ok=True)
    driver.set_window_size(1200, driver.execute_script("return document.body.scrollHeight") + 40)
    assert driver.save_screenshot(str(artifacts / "audit_report.png"))


LEGEND_LAYOUT = """
const svg = arguments[0];
const box = (e) => { const b = e.getBBox(); return [b.x, b.y, b.x + b.width, b.y + b.height]; };
const view = svg.viewBox.baseVal;
return {
  view: [view.x, view.y, view.x + view.width, view.y + view.height],
  names: Array.from(svg.querySelectorAll(".legend text")).map(box),
  swatches: Array.from(svg.querySelectorAll(".legend line, .legend rect, .legend circle")).map(box),
  curves: Array.from(svg.querySelectorAll(":scope > polyline, :scope > circle")).map(box),
};
"""


def _overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_line_chart_legends_cover_no_curve_and_no_other_entry_in_chromium(tmp_path, driver):
    """Real text metrics: every legend name and swatch lies inside the picture, clear of every
    curve and of the other entries (the best-of-N chart has three long names)."""
    reward = Sum([TextExact(), FormatRegex(r"^Answer:")], weights=[1.0, 2.0])
    options = Options(threshold=1.0, answer_field="completion")  # an answer per record: majority vote too
    paths = write_report(audit(reward, example_samples(), options), tmp_path)
    driver.get(paths["html"].resolve().as_uri())
    charts = driver.find_elements("css selector", "svg.plot:has(.legend)")
    best_of_n = driver.find_elements("css selector", "section#best_of_n svg.plot:has(.legend)")
    assert len(best_of_n) == 1 and len(charts) >= 2
    for chart in charts:
        layout = driver.execute_script(LEGEND_LAYOUT, chart)
        names, swatches, view = layout["names"], layout["swatches"], layout["view"]
        assert names and swatches and layout["curves"]
        for item in names + swatches:
            assert not any(_overlap(item, curve) for curve in layout["curves"])
            assert view[0] <= item[0] and item[2] <= view[2] and view[1] <= item[1] and item[3] <= view[3]
        assert not any(_overlap(a, b) for i, a in enumerate(names) for b in names[i + 1 :] + swatches)
    names = [e.text for e in best_of_n[0].find_elements("css selector", ".legend text")]
    assert names == ["reward's pick (best-of-k)", "pass@k (oracle)", "majority vote"]

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

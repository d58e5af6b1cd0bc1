"""The playground's page in a real browser: Debian's headless Chromium, driven by Selenium.

The page computes nothing, so every number it shows must be ``mb.solve``'s, read here from
Python on its own; the verdicts must be ``Solution.check``'s; training must lower the loss;
the page must switch to Russian, show an uploaded CSV's message, and log no error.
Screenshots (desktop, a 390px phone, 200% zoom) go to a temporary folder and, as a copy
for a person to look at, to ``/tmp/pg_shots/``.

Chromium and its driver are not optional here: ``.ci/run`` installs them, and a machine
without them fails these tests with a message saying what to install.
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from selenium import webdriver  # the test extra: these tests must run, never skip
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

import matbackprop as mb
from matbackprop.explain._doc import plain

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SHOTS = Path("/tmp/pg_shots")


def masha_solution() -> Any:
    """Masha's zero-init problem, worked by the library, not by the page's server."""
    net = mb.Network([2, 2, 2, 1], activation="sigmoid", bias=False, init="zeros")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the symmetry of a zero init
        return mb.solve(net, "1,2;3,4", "1;0", loss="mse_half", learning_rate=1, steps=2)


def as_text(v: Any) -> list[list[str]]:
    arr = np.asarray(v, dtype=object)
    arr = arr.reshape(1, -1) if arr.ndim == 1 else arr.reshape(1, 1) if arr.ndim == 0 else arr
    return [[str(x) for x in row] for row in arr]


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    pg = mb.playground()  # the real server: uvicorn on 127.0.0.1, a free port, a thread
    try:
        yield pg.url
    finally:
        pg.stop()


@pytest.fixture(scope="module")
def shots() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="pg_shots_"))
    yield folder
    SHOTS.mkdir(parents=True, exist_ok=True)
    for png in folder.glob("*.png"):
        shutil.copy(png, SHOTS / png.name)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(
            f"the playground's browser tests need Debian's chromium and chromium-driver: "
            f"{', '.join(missing)} not found (apt-get install chromium chromium-driver; "
            f".ci/run installs them)"
        )
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="pg_chromium_")
    options = Options()
    options.binary_location = str(CHROMIUM)
    for arg in (
        *("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"),
        *("--disable-background-networking", "--disable-component-update", "--disable-sync"),
        *("--no-first-run", "--window-size=1280,900", f"--user-data-dir={profile}"),
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    options.add_experimental_option("prefs", {"download.default_directory": profile})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def load(browser: Any, url: str) -> None:
    browser.get(url)
    WebDriverWait(browser, 20).until(
        lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true"
    )


def press(browser: Any, key: str) -> None:
    browser.find_element(By.TAG_NAME, "body").send_keys(key)


def numbers_in(browser: Any, css: str) -> list[tuple[str, int, int, int, str]]:
    """``(name, step, i, j, text)`` of every number the page shows under ``css``: one script
    call, so the page cannot change between the reads."""
    return [tuple(r) for r in browser.execute_script(  # type: ignore[misc]
        """return [...document.querySelectorAll(arguments[0])].map(n => {
               const owner = n.closest('[data-name]');
               const name = n.dataset.name || owner.dataset.name;
               const step = n.dataset.step ?? owner.dataset.step;
               return [name, Number(step), Number(n.dataset.i), Number(n.dataset.j),
                       n.textContent.trim()]; });""",
        css,
    )]  # fmt: skip


def wait_text(browser: Any, css: str, text: str, timeout: float = 20) -> None:
    WebDriverWait(browser, timeout).until(
        EC.text_to_be_present_in_element((By.CSS_SELECTOR, css), text)
    )


def value_of(sol: Any, name: str, step: int) -> list[list[str]]:
    """What the page must show for ``name`` at ``step``: a given value at step 0, the
    weights at the start of step ``step`` as the update of the step before."""
    if step == 0:
        return as_text(sol.given[name])
    return as_text(sol.steps[step - 1].values[name])


# -- the worked steps ------------------------------------------------------------------------


def test_two_full_steps_show_every_number_of_mb_solve(browser: Any, url: str, shots: Path) -> None:
    load(browser, url)
    sol = masha_solution()
    # Worked by hand (W = 0): O1 = σ(0) = 1/2, L = 1/(2·2)·(1² + 0²) = 1/4, d = (ŷ − y)/n
    # = (−1/2, 0), ∂L/∂W3 = O2ᵀ·d = (−1/4, −1/4), W3 ← 0 − 1·(−1/4) = 1/4; step 2's L = 5/32.
    assert as_text(sol.steps[0].values["dW3"]) == [["-1/4"], ["-1/4"]]
    assert as_text(sol.steps[1].values["L"]) == [["5/32"]]
    expected = [(s.index, n) for s in sol.steps for n in s.values if n != "H3"]  # H3 is ŷ
    seen: list[tuple[int, str]] = []
    checked = 0
    for position in range(len(expected)):
        op_id = browser.find_element(By.ID, "current").get_attribute("data-id")
        step, name = int(op_id.split(":")[0]), op_id.split(":")[1]
        seen.append((step, name))
        shown = numbers_in(browser, "#cur-matrix .num, #cur-inputs .num, #net .num")
        assert shown, f"no numbers shown for {op_id}"
        want = as_text(sol.steps[step - 1].values[name])
        cells = [(i, j, v) for (n, s, i, j, v) in shown if (n, s) == (name, step)]
        assert sorted(cells) == sorted(
            (i, j, v) for i, row in enumerate(want) for j, v in enumerate(row)
        )
        for n, s, i, j, v in shown:  # its inputs, and the weights on the diagram's edges
            assert v == value_of(sol, n, s)[i][j], (op_id, n, s, i, j)
            checked += 1
        shape = np.asarray(want, dtype=object).shape
        shapes = browser.find_element(By.ID, "cur-shapes").text
        assert shapes.endswith(f"[{shape[0]}×{shape[1]}]"), (op_id, shapes)
        if position < len(expected) - 1:
            press(browser, "n")
    assert seen == expected
    assert checked > 100
    # the given values, and the last key does not run past the end
    press(browser, "n")
    assert browser.find_element(By.ID, "current").get_attribute("data-id") == "2:W3"
    browser.find_element(By.CSS_SELECTOR, "#given-box summary").click()
    given = numbers_in(browser, "#given .num")
    assert {n for n, *_ in given} == set(sol.given)
    for n, _, i, j, v in given:
        assert v == as_text(sol.given[n])[i][j]
    # back, and the phase keys: b jumps to the next backward operation, u to the update
    press(browser, "\ue011")  # Home
    press(browser, "b")
    assert browser.find_element(By.ID, "current").get_attribute("data-id") == "1:d3"
    press(browser, "u")
    assert browser.find_element(By.ID, "current").get_attribute("data-id") == "1:W1"
    press(browser, "p")
    assert browser.find_element(By.ID, "current").get_attribute("data-id") == "1:dW1"
    press(browser, "\ue011")
    for _ in range(7):
        press(browser, "n")  # 1:dW3, the backward pass's first product
    browser.save_screenshot(str(shots / "playground-step.png"))


def test_a_wrong_answer_differs_and_a_right_one_matches(
    browser: Any, url: str, shots: Path
) -> None:
    load(browser, url)
    browser.find_element(By.ID, "tab-check").click()
    name = browser.find_element(By.CSS_SELECTOR, "#answers .ans-name")
    name.clear()
    name.send_keys("dW3@1")
    browser.find_element(By.CSS_SELECTOR, "#answers .ans-value").send_keys(
        "-1/4, -1/4"
    )  # transposed
    browser.find_element(By.ID, "answer-add").click()
    rows = browser.find_elements(By.CSS_SELECTOR, "#answers .answer")
    rows[1].find_element(By.CSS_SELECTOR, ".ans-name").send_keys("W3@1")
    rows[1].find_element(By.CSS_SELECTOR, ".ans-value").send_keys("1/4; 1/4")
    browser.find_element(By.ID, "check").click()
    WebDriverWait(browser, 20).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "#verdicts .verdict")) == 2
    )
    verdicts = {
        v.get_attribute("data-key"): (v.get_attribute("data-status"), v.text)
        for v in browser.find_elements(By.CSS_SELECTOR, "#verdicts .verdict")
    }
    want = masha_solution().check([("dW3@1", "-1/4, -1/4"), ("W3@1", "1/4; 1/4")])
    assert {v.key: v.status for v in want.verdicts} == {k: s for k, (s, _) in verdicts.items()}
    statuses = {v.label: v.status for v in want.verdicts}
    assert statuses == {"dW3@1": "differs", "W3@1": "match"}
    for v in want.verdicts:  # the line solve --check prints, beside its badge
        assert plain(want.describe(v)) in verdicts[v.key][1]
        if v.label == "dW3@1":
            assert "transpose" in verdicts[v.key][1]
    summary = browser.find_element(By.ID, "check-summary").text
    assert summary == want.summary()
    # the correct matrix beside hers, as the library has it
    cells = browser.find_elements(By.CSS_SELECTOR, "#verdicts .differs .compare td")
    assert [c.text for c in cells] == ["-1/4", "-1/4", "-1/4", "-1/4"]
    browser.save_screenshot(str(shots / "playground-check.png"))


def test_training_200_steps_lowers_the_loss(browser: Any, url: str, shots: Path) -> None:
    load(browser, url)
    browser.find_element(By.ID, "init").send_keys("normal")  # a random start breaks symmetry
    WebDriverWait(browser, 20).until(  # the diagram's weights are the random ones
        lambda d: (
            d.execute_script("return document.querySelector('#net .num').textContent")
            not in ("0", None)
        )
    )
    browser.find_element(By.ID, "tab-train").click()
    steps = browser.find_element(By.ID, "train-steps")
    steps.clear()
    steps.send_keys("200")
    browser.find_element(By.ID, "train-run").click()
    WebDriverWait(browser, 40).until(
        lambda d: d.find_element(By.ID, "train-status").get_attribute("data-steps") == "200"
    )
    # the curve's points are the server's losses; its first is above its last
    points = browser.find_element(By.CSS_SELECTOR, "#loss-chart polyline").get_attribute("points")
    ys = [float(p.split(",")[1]) for p in points.split()]
    assert len(ys) == 201
    assert ys[-1] > ys[0]  # SVG's y grows downward: a lower loss is drawn lower
    first, last = browser.find_element(By.ID, "loss-stat").text.split("→")
    assert float(last.strip()) < float(first.split()[-1])
    # the plane: the learned function and each hidden neuron (2 + 2)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#planes canvas")) == 5
    assert len(browser.find_elements(By.CSS_SELECTOR, "#norm-chart polyline")) == 3
    browser.save_screenshot(str(shots / "playground-train.png"))


def test_russian_labels(browser: Any, url: str, shots: Path) -> None:
    load(browser, url)
    browser.find_element(By.ID, "lang-ru").click()
    wait_text(browser, "#problem-h", "Задача")
    assert browser.find_element(By.ID, "tab-train").text == "Обучение"
    assert (
        browser.find_element(By.CSS_SELECTOR, "label[for=learning_rate]").text
        == "Скорость обучения η"
    )
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ru"
    # the worked text comes from the server in Russian
    WebDriverWait(browser, 20).until(
        lambda d: "дроб" in d.find_element(By.ID, "notes").get_attribute("textContent")
    )
    browser.save_screenshot(str(shots / "playground-ru.png"))
    browser.find_element(By.ID, "lang-en").click()
    wait_text(browser, "#problem-h", "Problem")


def test_a_bad_csv_gets_its_message_and_the_fields_stay(
    browser: Any, url: str, tmp_path: Path
) -> None:
    load(browser, url)
    bad = tmp_path / "ragged.csv"
    bad.write_text("x1,x2,y\n1,2,1\n3,4\n")
    browser.find_element(By.ID, "csv-file").send_keys(str(bad))
    WebDriverWait(browser, 20).until(lambda d: d.find_element(By.ID, "err-text").text)
    message = browser.find_element(By.ID, "err-text").text
    from matbackprop.data import read_table
    from matbackprop.errors import DataError

    with pytest.raises(DataError) as exc:
        read_table(bad.read_bytes(), "ragged.csv")
    assert message == str(exc.value)
    assert browser.find_element(By.ID, "X").get_attribute("value") == "1,2\n3,4"
    # a good one replaces X and y
    good = tmp_path / "good.csv"
    good.write_text("a,b,t\n0,1,1\n1,0,1\n2,2,0\n")
    browser.find_element(By.ID, "csv-file").send_keys(str(good))
    WebDriverWait(browser, 20).until(
        lambda d: d.find_element(By.ID, "X").get_attribute("value") == "0,1\n1,0\n2,2"
    )
    assert browser.find_element(By.ID, "err-text").text == ""


def test_a_bad_field_gets_its_message_beside_it(browser: Any, url: str) -> None:
    load(browser, url)
    lr = browser.find_element(By.ID, "learning_rate")
    lr.clear()
    lr.send_keys("-1")
    X = browser.find_element(By.ID, "X")
    X.clear()
    X.send_keys("1,2\n3")
    browser.find_element(By.ID, "solve").click()
    wait_text(browser, "#err-learning_rate", "learning_rate must be > 0")
    wait_text(browser, "#err-X", "X must be rows of equal length")
    assert browser.find_element(By.ID, "y").get_attribute("value") == "1\n0"
    assert lr.get_attribute("value") == "-1"


def test_screenshots_desktop_phone_and_200_percent(browser: Any, url: str, shots: Path) -> None:
    def full(name: str, width: int, scale: float = 1) -> None:
        height = browser.execute_script("return document.documentElement.scrollHeight")
        browser.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": min(int(height), 4000), "deviceScaleFactor": scale,
             "mobile": width < 500},
        )  # fmt: skip
        height = browser.execute_script("return document.documentElement.scrollHeight")
        browser.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": min(int(height), 4000), "deviceScaleFactor": scale,
             "mobile": width < 500},
        )  # fmt: skip
        browser.save_screenshot(str(shots / f"{name}.png"))
        overflow = browser.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{name}: the page is {overflow}px wider than the screen"

    load(browser, url)
    for _ in range(7):
        press(browser, "n")
    try:
        full("playground", 1280)
        full("playground-390", 390, 2)
        full("playground-zoom200", 640, 2)  # 1280 device pixels at 200%: 640 CSS pixels
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_no_errors_in_the_browser_console(browser: Any, url: str, shots: Path) -> None:
    # Earlier tests sent bad fields on purpose: the server's 422 answers are the only
    # errors Chromium may have logged (as "Failed to load resource"), nothing from a script.
    earlier = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"]
    unexpected = [
        e
        for e in earlier
        if not (e.get("source") == "network" and "/api/" in e["message"] and "422" in e["message"])
    ]
    assert unexpected == [], unexpected
    # a clean session: every panel used, nothing logged at all
    load(browser, url)
    for key in "nnnbu":
        press(browser, key)
    browser.find_element(By.CSS_SELECTOR, "#figures-box summary").click()
    WebDriverWait(browser, 20).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "#figures img")) == 2
    )
    browser.find_element(By.ID, "tab-train").click()
    browser.find_element(By.ID, "train-run").click()
    WebDriverWait(browser, 20).until(
        lambda d: d.find_element(By.ID, "train-status").get_attribute("data-steps") == "200"
    )
    browser.find_element(By.ID, "tab-export").click()
    wait_text(browser, "#command", "matbackprop solve --layers 2,2,2,1")
    browser.find_element(By.CSS_SELECTOR, "[data-export=markdown]").click()
    wait_text(browser, "#export-status", "Downloaded matbackprop-2-2-2-1")
    browser.save_screenshot(str(shots / "playground-export.png"))
    browser.find_element(By.ID, "lang-ru").click()
    wait_text(browser, "#problem-h", "Задача")
    log = browser.get_log("browser")
    severe = [e for e in log if e.get("level") in ("SEVERE", "WARNING")]
    assert severe == [], severe
    # everything came from the server itself: no CDN, no network (fonts, KaTeX included)
    loaded = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert any("katex.min.js" in n for n in loaded)
    assert any(".woff2" in n for n in loaded)
    assert [n for n in loaded if not n.startswith((url, "blob:"))] == []


def test_the_exact_numbers_are_fractions(browser: Any, url: str) -> None:
    """Masha's zero init stays rational: every entry on the page reads as a Fraction."""
    load(browser, url)
    for _, _, _, _, v in numbers_in(browser, "#cur-matrix .num, #net .num"):
        Fraction(v)


def test_decimals_to_the_chosen_digits_are_solves_values(browser: Any, url: str) -> None:
    """*decimal* numbers at 3 digits: each entry is mb.solve's float64 value rounded to three
    significant digits (the rounding is checked here, not read from the server)."""
    load(browser, url)
    browser.find_element(By.ID, "precision").send_keys("3")
    browser.find_element(By.ID, "numbers").send_keys("decimal")  # last: its answer has both
    WebDriverWait(browser, 20).until(
        lambda d: d.execute_script(
            "return document.querySelector('#cur-matrix .mname').textContent.includes('≈')"
        )
    )
    net = mb.Network([2, 2, 2, 1], activation="sigmoid", bias=False, init="zeros")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sol = mb.solve(net, "1,2;3,4", "1;0", learning_rate=1, steps=2, exact=False)
    count = 0
    for _ in range(17):  # the 17 operations of step 1
        op_id = browser.find_element(By.ID, "current").get_attribute("data-id")
        for name, step, i, j, text in numbers_in(browser, "#cur-matrix .num, #cur-inputs .num"):
            arr = np.asarray(
                sol.given[name] if step == 0 else sol.steps[step - 1].values[name], dtype=float
            )
            arr = (
                arr.reshape(1, -1) if arr.ndim == 1 else arr.reshape(1, 1) if arr.ndim == 0 else arr
            )
            want = float(arr[i, j])
            got = float(text)
            mantissa = text.lower().split("e")[0].lstrip("-").replace(".", "").lstrip("0")
            assert len(mantissa.rstrip("0") if "." not in text else mantissa) <= 3, text
            # three significant digits: within half a unit of the third
            unit = 10 ** (np.floor(np.log10(abs(want))) - 2) if want else 0
            assert abs(got - want) <= unit / 2 + 1e-15, (op_id, name, i, j, text, want)
            count += 1
        press(browser, "n")
    assert count > 50


def test_the_keyboard_alone_reaches_and_works_the_buttons(browser: Any, url: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    def key(k: str) -> None:  # to whatever has the focus, as a person's keyboard does
        ActionChains(browser).send_keys(k).perform()

    def focused() -> str:
        return str(browser.execute_script("return document.activeElement.id"))

    load(browser, url)
    for _ in range(80):  # Tab through the Problem panel to the step buttons
        key(Keys.TAB)
        if focused() == "op-next":
            break
    assert focused() == "op-next"
    ring = browser.execute_script("return getComputedStyle(document.activeElement).boxShadow")
    assert ring not in ("", "none")  # a visible focus ring
    key(Keys.ENTER)
    key(Keys.SPACE)
    assert browser.find_element(By.ID, "current").get_attribute("data-id") == "1:H2"
    # the tabs take the arrow keys
    browser.execute_script("document.getElementById('tab-step').focus()")
    key(Keys.ARROW_RIGHT)
    assert focused() == "tab-train"
    assert browser.find_element(By.ID, "view-train").is_displayed()

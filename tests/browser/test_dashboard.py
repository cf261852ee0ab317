"""The analyst's path through the dashboard in a real browser: the risk table, sorting it, one commodity with its
charts and map, the what-if without the leading country, and a number's evidence; the Sankey on a store with supply
links (the hand-built chain of tests/data/chain_lithium.trig)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import SCREENS
from tests.kg.chain_fixture import chain_store


def column_values(page, index: int) -> list[str]:
    return page.eval_on_selector_all(
        "#risk-table tbody tr", f"rows => rows.map(r => r.cells[{index}].dataset.sort)")


def test_analyst_sees_concentration_opens_a_commodity_and_removes_the_leader(page, server) -> None:
    page.goto(f"{server}/dashboard")
    first = page.locator("#risk-table tbody tr").first
    assert first.get_attribute("data-commodity") == "cobalt"  # the most concentrated mine production (HHI 6,205)
    # sort by commodity name, then back by mining HHI
    page.locator("#risk-table thead button", has_text="Commodity").click()
    names = column_values(page, 0)
    assert names == sorted(names, key=str.lower)
    page.locator("#risk-table thead button", has_text="Mining production HHI").click()
    hhis = [float(v) for v in column_values(page, 1)]
    assert hhis == sorted(hhis, reverse=True)
    page.screenshot(path=str(SCREENS / "dashboard.png"), full_page=True)

    page.locator("#risk-table a", has_text="Lithium").first.click()
    page.wait_for_url("**/dashboard/lithium")
    page.wait_for_function("document.body.dataset.dashboardReady === 'true'", timeout=10_000)
    page.wait_for_function("Chart.getChart(document.querySelector('#concentration canvas.share-chart'))",
                           timeout=10_000)
    assert page.evaluate("Chart.getChart(document.getElementById('hhi-trend')).data.labels") == ["2023", "2024"]
    page.wait_for_function("document.querySelectorAll('#facility-map path.cm-marker').length > 50", timeout=10_000)
    assert int(page.locator("#facility-map").get_attribute("data-markers")) == int(
        page.locator("#facility-map").get_attribute("data-count"))
    assert "no explicit supply links" in page.locator("#flow").inner_text()

    page.select_option("#what-if-form select", index=0)  # the largest producer comes first: Australia
    page.locator("#what-if-form button").click()
    result = page.locator("#what-if-result")
    result.locator("table").first.wait_for(timeout=10_000)
    text = result.inner_text()
    assert "Without Australia" in text and "88,000" in text and "37.4%" in text and "Chile (33.2%)" in text
    page.screenshot(path=str(SCREENS / "dashboard-lithium.png"), full_page=True)

    page.locator("#concentration figcaption a", has_text="2,303").click()
    page.wait_for_url("**/id/indicator/concentration/lithium/mining/production/2024")
    assert "2303" in page.locator("main").inner_text().replace(",", "")


@pytest.fixture(scope="module")
def chain_server(tmp_path_factory: pytest.TempPathFactory, server):
    from tests.backends import backend_app, live_server

    path = Path(tmp_path_factory.mktemp("chain")) / "store"
    del_store = chain_store(path)
    del del_store  # the app opens the store itself
    with backend_app(path, query_workers=1) as app, live_server(app) as url:
        yield url


def test_sankey_draws_the_supply_flow(page, chain_server) -> None:
    page.goto(f"{chain_server}/dashboard/lithium")
    page.wait_for_function("Chart.getChart(document.getElementById('flow-chart'))", timeout=10_000)
    flows = page.evaluate("Chart.getChart(document.getElementById('flow-chart')).data.datasets[0].data"
                          ".map(d => [d.from, d.to, d.flow])")
    assert ["Mining · Australia", "Refining · China", 2] in flows and len(flows) == 5
    # P1 → C1 and P1 → C2 are stated only in a partner's graph that nobody shared: an anonymous reader's flow lacks them
    assert not any(source.startswith("Component manufacturing") for source, _, _ in flows)
    page.screenshot(path=str(SCREENS / "dashboard-sankey.png"), full_page=True)

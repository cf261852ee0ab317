"""A newcomer's path in a real browser: search with autocomplete, a commodity with its chart, a producing country, a
facility with its map and the source of each fact."""

from __future__ import annotations

from tests.browser.conftest import SCREENS


def test_search_autocompletes_and_leads_to_the_commodity_with_its_chart(page, server) -> None:
    page.goto(f"{server}/")
    page.fill("header.site input[name=q]", "lithi")
    option = page.locator("ul.suggestions li[role=option]").first
    option.wait_for(timeout=10_000)
    assert "Lithium" in option.inner_text()
    option.locator("a").click()
    page.wait_for_url("**/id/commodity/lithium")
    # the producers chart is drawn by Chart.js from the page's data
    page.wait_for_function("window.Chart && Chart.getChart(document.getElementById('producers-chart'))",
                           timeout=10_000)
    assert page.locator("table.producers tbody tr").count() >= 9
    page.screenshot(path=str(SCREENS / "commodity.png"))
    page.get_by_role("link", name="Australia").first.click()
    page.wait_for_url("**/id/country/AUS")
    assert "Australia" in page.locator("h1").inner_text()


def test_a_facility_shows_its_map_and_where_each_fact_came_from(page, server) -> None:
    page.goto(f"{server}/id/facility/icmm-ICMM00566")
    page.wait_for_function("document.querySelectorAll('#map path.leaflet-interactive, #map path').length > 50",
                           timeout=10_000)
    assert page.locator("#map").get_attribute("data-markers") == "1"
    assert page.locator("#map svg.map-fallback").count() == 0  # the sketch made way for the real map
    provenance = page.locator("details.provenance").first
    provenance.locator("summary").click()
    text = provenance.inner_text()
    assert "ICMM Global Mining Dataset" in text and "row 3" in text
    page.screenshot(path=str(SCREENS / "facility.png"), full_page=True)

"""The /query workbench in a real browser: examples, the table, chart and map views, shared links, no CDN."""

from __future__ import annotations

from urllib.parse import urlencode

from tests.browser.conftest import SCREENS

ROWS = ".yasr .dataTable tbody tr"


def open_workbench(page, server: str, **params: str):
    page.goto(f"{server}/query" + (f"?{urlencode(params)}" if params else ""))
    page.wait_for_selector(".yasqe .CodeMirror")
    return page


def drawn(page, plugin: str) -> None:
    page.wait_for_function(f"document.body.dataset.drawn === '{plugin}'", timeout=30_000)


def editor_text(page) -> str:
    return page.evaluate("window.critminWorkbench.yasgui.getTab().getYasqe().getValue()")


def test_the_workbench_loads_with_its_examples(page, server) -> None:
    open_workbench(page, server)
    assert page.locator("#examples li").count() >= 15
    assert "cm:CriticalityList" in editor_text(page)
    config = page.evaluate("window.critminWorkbench.yasgui.getTab().getYasqe().config")
    assert config["autocompleters"] == ["variables", "cmPrefixes"]  # no LOV (property, class), no prefix.cc
    assert page.evaluate("window.critminWorkbench.yasgui.getTab().getEndpoint()") == f"{server}/sparql"
    page.screenshot(path=str(SCREENS / "workbench.png"), full_page=True)


def test_an_example_runs_and_the_table_shows_rows(page, server) -> None:
    open_workbench(page, server)
    page.get_by_role("button", name="Critical-list overlap: India, UK, EU and US").click()
    page.wait_for_selector(ROWS, timeout=30_000)
    assert page.locator(ROWS).count() > 0
    assert "Graphite" in page.locator(".yasr .dataTable").inner_text()
    assert "example=critical_list_overlap" in page.url
    page.screenshot(path=str(SCREENS / "table.png"), full_page=True)


def test_the_chart_view_draws(page, server) -> None:
    open_workbench(page, server, example="us_import_reliance_trend", view="chart")
    drawn(page, "chart")
    painted = page.evaluate("""() => {
        const canvas = document.querySelector('.cm-chart-view canvas');
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
        return painted;
    }""")
    assert painted > 1000
    page.screenshot(path=str(SCREENS / "chart.png"), full_page=True)


def test_the_map_view_shows_markers_on_a_vector_world(page, server) -> None:
    open_workbench(page, server, example="lithium_sites_map", view="map")
    drawn(page, "map")
    page.wait_for_selector(".cm-map-view path.cm-marker", timeout=30_000)
    assert page.locator(".cm-map-view path.cm-marker").count() > 10
    page.wait_for_function("document.querySelectorAll('.cm-map-view .leaflet-overlay-pane path').length > 100")
    assert page.locator(".leaflet-tile").count() == 0  # no tiles unless map_tile_url is set
    page.screenshot(path=str(SCREENS / "map.png"), full_page=True)


def test_a_map_from_lat_lon_columns(page, server) -> None:
    open_workbench(page, server, example="facilities_near_point", view="map")
    drawn(page, "map")
    assert page.locator(".cm-map-view path.cm-marker").count() >= 1


def test_a_shared_link_restores_the_query_and_the_view(page, server, browser) -> None:
    query = "SELECT ?country ?reserves WHERE { ?r a cm:ReservesObservation ; cm:commodity commodity:cobalt ; " \
            "cm:refArea/rdfs:label ?country ; qudt:numericValue ?reserves } ORDER BY DESC(?reserves) LIMIT 8"
    open_workbench(page, server)
    page.evaluate("q => window.critminWorkbench.yasgui.getTab().getYasqe().setValue(q)", query)
    page.evaluate("window.critminWorkbench.run()")
    page.wait_for_selector(ROWS, timeout=30_000)
    page.locator(".yasr .select_chart").click()
    drawn(page, "chart")
    page.get_by_role("button", name="Copy link").click()
    link = page.locator("#share-link").input_value()
    assert link.startswith(f"{server}/query?") and "view=chart" in link

    other = browser.new_page()
    try:
        other.goto(link)
        other.wait_for_selector(".yasqe .CodeMirror")
        drawn(other, "chart")
        restored = editor_text(other)
        assert restored == other.evaluate("q => window.critminWorkbench.withPrefixes(q)", query)
        assert restored.endswith(query) and "PREFIX commodity: <https://w3id.org/critmin/id/commodity/>" in restored
        other.screenshot(path=str(SCREENS / "shared-link.png"), full_page=True)
    finally:
        other.close()


def test_maps_js_and_charts_js_draw_the_hooks_of_any_page(page, server) -> None:
    open_workbench(page, server)
    page.evaluate("""() => {
        const map = document.createElement('div');
        map.id = 'map'; map.dataset.wkt = 'POINT(-66.64726 -23.42685)'; map.dataset.label = 'Cauchari Olaroz';
        const canvas = document.createElement('canvas');
        canvas.dataset.series = JSON.stringify(
            {type: 'bar', labels: ['a', 'b'], datasets: [{label: 't', data: [1, 2]}]});
        const box = document.createElement('div'); box.style.height = '200px'; box.appendChild(canvas);
        document.querySelector('main').append(map, box);
        window.critminMaps.drawAll(); window.critminCharts.drawAll();
    }""")
    assert page.locator("#map path.cm-marker").count() == 1
    assert page.evaluate("!!document.querySelector('canvas[data-series]')._critminChart")

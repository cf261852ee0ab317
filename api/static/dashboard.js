/* critmin dashboard: sortable risk table (/dashboard), and one commodity's charts, flow, map and what-if
 * (/dashboard/{commodity}) drawn from the page's own data (<script id="dashboard-data">, the JSON form of the page).
 * Needs chart.js, charts.js, the Sankey controller (chartjs-chart-sankey) and maps.js on the commodity page.
 */
(function () {
  "use strict";
  const STAGE_COLOURS = { exploration: "#8a94a6", mining: "#0b6e4f", concentration: "#2c7a7b", refining: "#2b6cb0",
    "component-manufacturing": "#6b46c1", "cell-manufacturing": "#c05621", "end-use": "#9b2c2c", recycling: "#b7791f" };

  /* Sorting: each header button sorts its column by the cells' data-sort (numbers when they parse); a second click
   * reverses the order. */
  function makeSortable(table) {
    const headers = Array.from(table.tHead.rows[0].cells);
    headers.forEach((th, index) => {
      const button = th.querySelector("button");
      if (!button) return;
      const text = button.dataset.sortType === "text";  // names A to Z first; numbers largest first
      button.addEventListener("click", () => {
        const current = th.getAttribute("aria-sort");
        const descending = current ? current === "ascending" : !text;
        headers.forEach(h => h.removeAttribute("aria-sort"));
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
        const body = table.tBodies[0];
        const rows = Array.from(body.rows);
        const value = row => {
          const cell = row.cells[index];
          const raw = cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent.trim();
          const number = Number(raw);
          return raw !== "" && isFinite(number) ? number : raw.toLowerCase();
        };
        rows.sort((a, b) => {
          const x = value(a), y = value(b);
          const order = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
          return descending ? -order : order;
        });
        rows.forEach(row => body.appendChild(row));
      });
    });
  }

  function shareCharts(data) {
    document.querySelectorAll("#concentration figure.panel").forEach((figure, i) => {
      const item = data.concentration[i];
      const canvas = figure.querySelector("canvas.share-chart");
      if (!item || !canvas) return;
      canvas._critminChart = window.critminCharts.drawChart(canvas, {
        type: "bar", labels: item.shares.map(s => s.label),
        datasets: [{ label: "% of the countries' total", data: item.shares.map(s => Number(s.percent.toFixed(2))) }],
      });
    });
  }

  function flowChart(data) {
    const canvas = document.getElementById("flow-chart");
    if (!canvas || !data.flow.length || !window.Chart) return;
    const sankey = window["chartjs-chart-sankey"];
    if (sankey) window.Chart.register(sankey.SankeyController, sankey.Flow);
    // one column per stage present, upstream on the left, whatever links a reader may see
    const stages = Array.from(new Set(data.flow.flatMap(f => [f.source_stage, f.target_stage]))).sort((a, b) => a - b);
    const column = {};
    data.flow.forEach(f => {
      column[f.source] = stages.indexOf(f.source_stage);
      column[f.target] = stages.indexOf(f.target_stage);
    });
    canvas._critminChart = new window.Chart(canvas, {
      type: "sankey",
      data: { datasets: [{ label: "supply links", data: data.flow.map(f => ({ from: f.source, to: f.target, flow: f.links })),
                           column, colorFrom: () => "#0b6e4f", colorTo: () => "#2b6cb0", colorMode: "gradient" }] },
      options: { responsive: true, maintainAspectRatio: false, animation: false },
    });
  }

  function facilityMap(data) {
    const element = document.getElementById("facility-map");
    if (!element || !window.critminMaps) return;
    const points = data.facilities.map(f => ({ lat: f.lat, lon: f.lon, label: `${f.label} (${f.stage_label})`,
                                               color: STAGE_COLOURS[f.stage] || "#4a5568", stage: f.stage_label }));
    element._critminMap = window.critminMaps.drawMap(element, points);
    const legend = document.getElementById("map-legend");
    const counts = new Map();
    data.facilities.forEach(f => counts.set(f.stage, (counts.get(f.stage) || 0) + 1));
    counts.forEach((count, stage) => {
      const item = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = STAGE_COLOURS[stage] || "#4a5568";
      item.append(swatch, `${data.facilities.find(f => f.stage === stage).stage_label}: ${count}`);
      legend.appendChild(item);
    });
  }

  function trendCharts(data) {
    const hhi = document.getElementById("hhi-trend");
    const names = Object.keys(data.hhi_series);
    if (hhi && names.length) {
      const years = Array.from(new Set(names.flatMap(n => data.hhi_series[n].map(p => p.year)))).sort();
      hhi._critminChart = window.critminCharts.drawChart(hhi, { type: "line", labels: years, datasets: names.map(n => ({
        label: n, data: years.map(y => { const p = data.hhi_series[n].find(q => q.year === y); return p ? p.value : null; }),
      })) });
    }
    const reliance = document.getElementById("reliance-trend");
    if (reliance && data.import_reliance_series.length) {
      const series = data.import_reliance_series;
      reliance._critminChart = window.critminCharts.drawChart(reliance, { type: "line", labels: series.map(p => p.year),
        datasets: [{ label: "net import reliance, % (lower bounds where published as >)", data: series.map(p => p.value) }] });
    }
  }

  function cell(row, text, className) {
    const td = row.insertCell();
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function table(headings, rows) {
    const element = document.createElement("table");
    element.className = "small";
    const head = element.createTHead().insertRow();
    headings.forEach(h => { const th = document.createElement("th"); th.textContent = h; head.appendChild(th); });
    const body = element.createTBody();
    rows.forEach(values => { const row = body.insertRow(); values.forEach(v => cell(row, v)); });
    return element;
  }

  function paragraph(text, className) {
    const p = document.createElement("p");
    p.textContent = text;
    if (className) p.className = className;
    return p;
  }

  const last = iri => iri.slice(iri.lastIndexOf("/") + 1);
  const fmt = (n, digits) => (n === null || n === undefined ? "—" : Number(n).toLocaleString("en", { maximumFractionDigits: digits }));

  function showWhatIf(result, label, out) {
    out.replaceChildren();
    out.appendChild(paragraph(`Without ${label}:`, "what-if-heading"));
    if (result.supply_lost.length) {
      out.appendChild(table(["Stage · quantity, year", "Lost (t)", "Lost share", "HHI before", "HHI of the rest", "New leader"],
        result.supply_lost.map(l => [`${last(l.stage)} · ${last(l.quantity_kind)}, ${l.year}`, fmt(l.tonnes, 0),
          `${fmt(l.percent, 1)}%`, fmt(l.hhi_before, 0), fmt(l.hhi_after, 0),
          l.top_after_label ? `${l.top_after_label} (${fmt(l.top_after_share, 1)}%)` : "—"])));
    }
    out.appendChild(paragraph(`${result.removed_facilities.length} facilities of this commodity removed; ` +
      `${result.lost_chains.length} of ${result.chains_before} supply chains from mine to cell plant or EV maker lost; ` +
      `${result.ends_cut_off.length} cell plants or EV makers cut off.`, "what-if-summary"));
    if (result.stages.length) {
      out.appendChild(table(["Stage", "Facilities before", "after", "Countries before", "after"],
        result.stages.map(s => [s.label, s.facilities_before, s.facilities_after, s.countries_before.length, s.countries_after.length])));
    }
    if (result.organisations.length) {
      out.appendChild(paragraph("Organisations on lost chains: " + result.organisations.map(o => o.label).join(", ")));
    }
    result.notes.forEach(n => out.appendChild(paragraph(n, "gap-note")));
  }

  function whatIf() {
    const form = document.getElementById("what-if-form");
    if (!form) return;
    const out = document.getElementById("what-if-result");
    form.addEventListener("submit", async event => {
      event.preventDefault();
      const select = form.elements.target;
      const [kind, iri] = select.value.split(" ");
      const label = select.options[select.selectedIndex].textContent;
      out.replaceChildren(paragraph("Working…", "muted"));
      try {
        const response = await fetch(form.dataset.api, { method: "POST", headers: { "Content-Type": "application/json",
          Accept: "application/json" }, body: JSON.stringify({ commodity: form.dataset.commodity, remove: { [kind]: iri } }) });
        const body = await response.json();
        if (!response.ok) throw new Error(typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail));
        showWhatIf(body, label, out);
      } catch (error) {
        out.replaceChildren(paragraph(`The what-if failed: ${error.message}`, "error"));
      }
    });
  }

  function start() {
    document.querySelectorAll("table.sortable").forEach(makeSortable);
    const source = document.getElementById("dashboard-data");
    if (!source) return;
    const data = JSON.parse(source.textContent);
    const steps = [shareCharts, flowChart, facilityMap, trendCharts];
    steps.forEach(step => { try { step(data); } catch (error) { console.error("critmin dashboard:", step.name, error); } });
    whatIf();
    document.body.dataset.dashboardReady = "true";
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

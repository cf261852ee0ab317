/* critmin charts: Chart.js drawings for any page.
 *
 * - <canvas data-series='{"type":"bar","labels":[...],"datasets":[{"label":"t","data":[...]}]}'> is drawn on load.
 * - critminCharts.drawChart(canvas, series) draws one; critminCharts.seriesFromResults(variables, bindings, prefixes)
 *   turns SPARQL JSON results into a series: labels from the first non-numeric column, one dataset per numeric
 *   column, a line chart when the labels are years, else bars.
 * Needs /static/vendor/chart.js/chart.umd.min.js (window.Chart) loaded first.
 */
(function () {
  "use strict";
  const NUMERIC = /#(integer|decimal|double|float|long|int|short|byte|nonNegativeInteger|positiveInteger|unsignedInt|unsignedLong)$/;
  const PALETTE = ["#0b6e4f", "#c05621", "#2b6cb0", "#9b2c2c", "#6b46c1", "#2c7a7b", "#b7791f", "#4a5568"];

  function isNumeric(term) {
    return !!term && term.type === "literal" && NUMERIC.test(term.datatype || "") && isFinite(Number(term.value));
  }

  function compact(value, prefixes) {
    for (const [prefix, ns] of Object.entries(prefixes || {})) {
      if (value.startsWith(ns) && value.length > ns.length && !value.slice(ns.length).includes("/")) {
        return prefix + ":" + value.slice(ns.length);
      }
    }
    return value;
  }

  function seriesFromResults(variables, bindings, prefixes, maxRows) {
    const rows = bindings.slice(0, maxRows || 500);
    const numeric = variables.filter(v => rows.some(r => r[v]) && rows.every(r => !r[v] || isNumeric(r[v])));
    const labelVar = variables.find(v => !numeric.includes(v));
    if (!labelVar || numeric.length === 0) return { type: "bar", labels: [], datasets: [] };
    const labels = rows.map(r => (r[labelVar] ? compact(r[labelVar].value, prefixes) : ""));
    const years = labels.length > 1 && labels.every(l => /^\d{4}$/.test(l));
    return {
      type: years ? "line" : "bar",
      labels,
      datasets: numeric.map(v => ({ label: v, data: rows.map(r => (r[v] ? Number(r[v].value) : null)) })),
    };
  }

  function drawChart(canvas, series) {
    const datasets = series.datasets.map((d, i) => Object.assign({
      backgroundColor: PALETTE[i % PALETTE.length], borderColor: PALETTE[i % PALETTE.length], spanGaps: true,
    }, d));
    return new window.Chart(canvas, {
      type: series.type || "bar",
      data: { labels: series.labels, datasets },
      options: { responsive: true, maintainAspectRatio: false, animation: false,
                 plugins: { legend: { display: datasets.length > 1 } } },
    });
  }

  function drawAll() {
    document.querySelectorAll("canvas[data-series]").forEach(canvas => {
      try { canvas._critminChart = drawChart(canvas, JSON.parse(canvas.dataset.series)); }
      catch (error) { console.error("critmin charts: cannot draw", canvas, error); }
    });
  }

  window.critminCharts = { drawChart, drawAll, seriesFromResults, isNumeric, compact };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();

/* The /query workbench: YASGUI on our /sparql, the worked examples, chart and map views, shareable links.
 *
 * Reads its settings from <script type="application/json" id="workbench-config"> (endpoint, prefixes, examples,
 * the initial query, example and view). Makes no request to any other host: prefix.cc and LOV autocompletion are
 * off, the prefix completer offers our own prefixes (kg/iris.py PREFIXES), the endpoint list holds only ours.
 */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("workbench-config").textContent);
  const Yasgui = window.Yasgui.default || window.Yasgui;
  const endpoint = new URL(config.endpoint, window.location.href).href;

  // -- no calls to other hosts --------------------------------------------------------------------------------
  const ourPrefixes = Object.entries(config.prefixes).map(([p, ns]) => `${p}: <${ns}>`).sort();
  Yasgui.Yasqe.forkAutocompleter("prefixes", { name: "cmPrefixes", get: () => Promise.resolve(ourPrefixes) }, false);
  Yasgui.Yasqe.defaults.autocompleters = ["variables", "cmPrefixes"];  // not "property"/"class" (LOV), "prefixes"
  Yasgui.Yasqe.defaults.prefixCcApi = null;
  Yasgui.defaults.endpointCatalogueOptions.getData = () => [{ endpoint }];

  // -- result views beyond the table --------------------------------------------------------------------------
  function results(yasr) {
    const r = yasr.results;
    if (!r || !r.getVariables || !r.getBindings) return null;
    const variables = r.getVariables() || [], bindings = r.getBindings() || [];
    return variables.length && bindings.length ? { variables, bindings } : null;
  }

  const ICONS = {
    chart: "M2 14h12v1H2zM3 8h2v5H3zM7 4h2v9H7zM11 6h2v7h-2z",
    map: "M8 1a4 4 0 0 0-4 4c0 3 4 9 4 9s4-6 4-9a4 4 0 0 0-4-4zm0 5.5A1.5 1.5 0 1 1 8 3.5a1.5 1.5 0 0 1 0 3z",
  };
  function icon(name) {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 16 16");
    svg.setAttribute("width", "14");
    svg.setAttribute("height", "14");
    svg.setAttribute("aria-hidden", "true");
    const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", ICONS[name]);
    path.setAttribute("fill", "currentColor");
    svg.appendChild(path);
    return svg;
  }

  // The endpoint predeclares every prefix, but the editor's syntax check does not know that: put the PREFIX lines
  // a query uses (and lacks) after its leading comments, which also makes it self-contained for other tools.
  function withPrefixes(query) {
    const declared = new Set([...query.matchAll(/PREFIX\s+([\w-]*):/gi)].map(m => m[1]));
    const body = query.replace(/#.*$/gm, "").replace(/<[^>\s]*>/g, "").replace(/"(?:[^"\\]|\\.)*"/g, "");
    const used = Object.keys(config.prefixes).filter(p => !declared.has(p) &&
      new RegExp(`(^|[\\s(/^|,;{])${p}:`, "m").test(body));
    if (!used.length) return query;
    const lines = query.split("\n");
    let head = 0;
    while (head < lines.length && lines[head].startsWith("#")) head++;
    const prefixes = used.map(p => `PREFIX ${p}: <${config.prefixes[p]}>`);
    return [...lines.slice(0, head), ...prefixes, ...lines.slice(head)].join("\n");
  }

  class ChartView {
    constructor(yasr) { this.yasr = yasr; this.priority = 3; this.label = "Chart"; this.chart = null; }
    series() {
      const r = results(this.yasr);
      return r ? window.critminCharts.seriesFromResults(r.variables, r.bindings, config.prefixes) : null;
    }
    canHandleResults() { const s = this.series(); return !!s && s.datasets.length > 0; }
    draw() {
      const box = document.createElement("div");
      box.className = "cm-chart-view";
      const canvas = document.createElement("canvas");
      box.appendChild(canvas);
      this.yasr.resultsEl.appendChild(box);
      this.chart = window.critminCharts.drawChart(canvas, this.series());
    }
    getIcon() { return icon("chart"); }
    destroy() { if (this.chart) this.chart.destroy(); this.chart = null; }
  }

  class MapView {
    constructor(yasr) { this.yasr = yasr; this.priority = 2; this.label = "Map"; this.map = null; }
    points() {
      const r = results(this.yasr);
      return r ? window.critminMaps.pointsFromResults(r.variables, r.bindings) : [];
    }
    canHandleResults() { return this.points().length > 0; }
    draw() {
      const box = document.createElement("div");
      box.className = "cm-map-view";
      this.yasr.resultsEl.appendChild(box);
      this.map = window.critminMaps.drawMap(box, this.points());
    }
    getIcon() { return icon("map"); }
    destroy() { if (this.map) this.map.remove(); this.map = null; }
  }

  Yasgui.Yasr.registerPlugin("chart", ChartView);
  Yasgui.Yasr.registerPlugin("map", MapView);
  Yasgui.Yasr.defaults.pluginOrder = ["table", "chart", "map", "response"];
  Yasgui.Yasr.defaults.prefixes = config.prefixes;

  // -- the editor ---------------------------------------------------------------------------------------------
  const starter = withPrefixes("# Every prefix of the graph is predeclared by the endpoint; PREFIX lines are optional.\n" +
    "SELECT ?list ?title WHERE { ?list a cm:CriticalityList ; dct:title ?title }\n");

  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    persistenceId: null,
    populateFromUrl: false,
    autofocus: false,
    yasqe: { persistenceId: null, value: starter, editorHeight: "320px", createShareableLink: null },
    yasr: { persistenceId: null, defaultPlugin: "table" },
  });

  const tab = () => yasgui.getTab();
  const yasqe = () => tab().getYasqe();
  const yasr = () => tab().getYasr();
  for (const name of ["property", "class", "prefixes"]) {
    if (yasqe().autocompleters && yasqe().autocompleters[name]) yasqe().disableCompleter(name);
  }

  let currentView = config.view || "table";
  let currentExample = config.example;

  function shareUrl() {
    const url = new URL("/query", window.location.href);
    const example = config.examples.find(e => e.name === currentExample);
    if (example && withPrefixes(example.query) === yasqe().getValue()) url.searchParams.set("example", example.name);
    else url.searchParams.set("query", yasqe().getValue());
    if (currentView && currentView !== "table") url.searchParams.set("view", currentView);
    return url.href;
  }

  function remember() {
    const link = shareUrl();
    window.history.replaceState(null, "", link);
    document.getElementById("share-link").value = link;
  }

  function run() {
    yasr().selectPlugin(currentView);
    return yasqe().query().catch(() => {}).finally(remember);
  }

  function load(example) {
    currentExample = example.name;
    tab().setName ? tab().setName(example.title.slice(0, 40)) : null;
    yasqe().setValue(withPrefixes(example.query));
    document.querySelectorAll("#examples li").forEach(li => li.classList.toggle("current", li.dataset.name === example.name));
    return run();
  }

  yasr().on("change", () => {
    const selected = yasr().selectedPlugin;
    if (selected && selected !== currentView) { currentView = selected; remember(); }
  });
  yasr().on("drawn", () => { document.body.dataset.drawn = yasr().drawnPlugin || ""; });
  yasqe().on("change", () => { document.getElementById("share-link").value = shareUrl(); });

  // -- side panel and buttons ---------------------------------------------------------------------------------
  const list = document.getElementById("examples");
  for (const example of config.examples) {
    const li = document.createElement("li");
    li.dataset.name = example.name;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "example";
    button.textContent = example.title;
    button.title = example.source;
    button.addEventListener("click", () => load(example));
    const question = document.createElement("p");
    question.textContent = example.question;
    li.append(button, question);
    list.appendChild(li);
  }
  document.getElementById("example-filter").addEventListener("input", event => {
    const text = event.target.value.toLowerCase();
    list.querySelectorAll("li").forEach(li => { li.hidden = text && !li.textContent.toLowerCase().includes(text); });
  });

  document.getElementById("copy-link").addEventListener("click", async () => {
    const link = shareUrl(), field = document.getElementById("share-link"), status = document.getElementById("copy-status");
    field.value = link;
    try { await navigator.clipboard.writeText(link); status.textContent = "Link copied."; }
    catch (error) { field.select(); document.execCommand("copy"); status.textContent = "Link selected: copy it."; }
  });

  document.getElementById("share-link").value = shareUrl();
  const initial = config.example && config.examples.find(e => e.name === config.example);
  if (initial && !config.query) load(initial);
  else if (config.query) { yasqe().setValue(withPrefixes(config.query)); run(); }
  window.critminWorkbench = { yasgui, shareUrl, load, run, withPrefixes };
})();

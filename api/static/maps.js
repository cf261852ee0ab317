/* critmin maps: Leaflet maps on a vector world base map (Natural Earth countries from world-atlas), no tiles
 * unless the setting map_tile_url is set (passed as data-tile-url on this script tag).
 *
 * - <div id="map" data-lat="-23.4" data-lon="-66.6" data-label="…"> or <div id="map" data-wkt="POINT(lon lat)">
 *   (also any <div class="cm-map"> with those attributes) is drawn on load; data-wkt may hold several WKT POINTs.
 * - critminMaps.drawMap(element, points) draws one; points are {lat, lon, label} and an optional colour.
 * - critminMaps.pointsFromResults(variables, bindings) reads ?lat/?lon (or latitude/longitude) or WKT POINT columns.
 * Needs leaflet.js (window.L) and topojson-client (window.topojson) loaded first.
 */
(function () {
  "use strict";
  const script = document.currentScript;
  const tileUrl = (script && script.dataset.tileUrl) || "";
  const WORLD = "/static/vendor/world-atlas/countries-110m.json";
  const POINT = /POINT\s*\(\s*(-?[\d.]+(?:[eE][-+]?\d+)?)\s+(-?[\d.]+(?:[eE][-+]?\d+)?)\s*\)/gi;
  let world = null;

  function worldFeatures() {
    if (!world) {
      world = fetch(WORLD).then(r => (r.ok ? r.json() : Promise.reject(new Error(r.statusText))))
        .then(topo => window.topojson.feature(topo, topo.objects.countries));
    }
    return world;
  }

  function parseWktPoints(text) {
    const points = [];
    for (const m of String(text).matchAll(POINT)) points.push({ lon: Number(m[1]), lat: Number(m[2]) });
    return points;
  }

  function pointsFromResults(variables, bindings) {
    const latVar = variables.find(v => /^(lat|latitude)$/i.test(v));
    const lonVar = variables.find(v => /^(lon|lng|long|longitude)$/i.test(v));
    const wktVars = variables.filter(v => bindings.some(b => b[v] && /^\s*(<[^>]*>\s*)?POINT\s*\(/i.test(b[v].value)));
    const labelVar = variables.find(v => /^(name|label|title)$/i.test(v)) ||
      variables.find(v => bindings.some(b => b[v] && b[v].type === "literal" && isNaN(Number(b[v].value))));
    const points = [];
    for (const b of bindings) {
      const label = labelVar && b[labelVar] ? b[labelVar].value : "";
      if (latVar && lonVar && b[latVar] && b[lonVar]) {
        const lat = Number(b[latVar].value), lon = Number(b[lonVar].value);
        if (isFinite(lat) && isFinite(lon)) { points.push({ lat, lon, label }); continue; }
      }
      for (const v of wktVars) if (b[v]) parseWktPoints(b[v].value).forEach(p => points.push(Object.assign(p, { label })));
    }
    return points.filter(p => Math.abs(p.lat) <= 90 && Math.abs(p.lon) <= 180);
  }

  function drawMap(element, points, options) {
    const L = window.L;
    element.replaceChildren();  // the no-script fallback (an SVG sketch) makes way for the map
    const map = L.map(element, { worldCopyJump: true, zoomSnap: 0.25, attributionControl: !!tileUrl });
    map.setView([20, 0], 2);
    if (tileUrl) {
      L.tileLayer(tileUrl, { maxZoom: 18 }).addTo(map);
    } else {
      worldFeatures().then(features => {
        L.geoJSON(features, { interactive: false,
          style: { color: "#9aa5b1", weight: 0.6, fillColor: "#e9edf2", fillOpacity: 1 } }).addTo(map).bringToBack();
      }).catch(error => console.error("critmin maps: no base map", error));
    }
    const markers = points.map(p => {
      const marker = L.circleMarker([p.lat, p.lon], { radius: 5, color: p.color || "#0b6e4f", weight: 1,
                                                       fillOpacity: 0.7, className: "cm-marker" });
      if (p.label) { const text = document.createElement("span"); text.textContent = p.label; marker.bindPopup(text); }
      return marker.addTo(map);
    });
    if (points.length === 1) map.setView([points[0].lat, points[0].lon], (options && options.zoom) || 5);
    else if (points.length > 1) map.fitBounds(L.latLngBounds(points.map(p => [p.lat, p.lon])).pad(0.1));
    element.dataset.markers = String(markers.length);
    setTimeout(() => map.invalidateSize(), 0);
    return map;
  }

  function drawAll() {
    document.querySelectorAll("div#map, div.cm-map").forEach(el => {
      if (el._critminMap) return;
      let points = [];
      if (el.dataset.lat && el.dataset.lon) {
        points.push({ lat: Number(el.dataset.lat), lon: Number(el.dataset.lon), label: el.dataset.label || "" });
      }
      if (el.dataset.wkt && !points.length) parseWktPoints(el.dataset.wkt).forEach(p => points.push(Object.assign(p, { label: el.dataset.label || "" })));
      points = points.filter(p => isFinite(p.lat) && isFinite(p.lon));
      if (!el.style.height && !el.clientHeight) el.style.height = "320px";
      el._critminMap = drawMap(el, points);
    });
  }

  window.critminMaps = { drawMap, drawAll, pointsFromResults, parseWktPoints };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();

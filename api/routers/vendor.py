"""Front-end libraries from npm, served under ``/static/vendor/``: only the files named in ``VENDOR_FILES``.

``make install`` runs ``npm ci`` (package.json, package-lock.json) into ``node_modules/``; nothing is fetched from a
CDN at run time. Each URL maps to one file by a dictionary look-up, so there is no directory listing and no path
is ever joined from user input (``/static/vendor/../pyproject.toml`` and friends are 404).
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from kg.settings import PROJECT_ROOT

router = APIRouter(include_in_schema=False)

NODE_MODULES = PROJECT_ROOT / "node_modules"
_LEAFLET_IMAGES = ("layers.png", "layers-2x.png", "marker-icon.png", "marker-icon-2x.png", "marker-shadow.png")

# URL under /static/vendor/ -> file under node_modules/ (the allowlist).
VENDOR_FILES: dict[str, str] = {
    "yasgui/yasgui.min.js": "@zazuko/yasgui/build/yasgui.min.js",
    "yasgui/yasgui.min.css": "@zazuko/yasgui/build/yasgui.min.css",
    "leaflet/leaflet.js": "leaflet/dist/leaflet.js",
    "leaflet/leaflet.css": "leaflet/dist/leaflet.css",
    **{f"leaflet/images/{name}": f"leaflet/dist/images/{name}" for name in _LEAFLET_IMAGES},
    "chart.js/chart.umd.min.js": "chart.js/dist/chart.umd.min.js",
    "chartjs-chart-sankey/chartjs-chart-sankey.min.js": "chartjs-chart-sankey/dist/chartjs-chart-sankey.min.js",
    "topojson-client/topojson-client.min.js": "topojson-client/dist/topojson-client.min.js",
    "world-atlas/countries-110m.json": "world-atlas/countries-110m.json",
}


@router.get("/static/vendor/{name:path}", name="vendor_file")
def vendor_file(name: str) -> FileResponse:
    relative = VENDOR_FILES.get(name)
    if relative is None:
        raise HTTPException(404, "not a served front-end file")
    path = NODE_MODULES / relative
    if not path.is_file():
        raise HTTPException(404, f"{relative} is missing from node_modules: run `make install` (needs npm)")
    return FileResponse(path, headers={"Cache-Control": "public, max-age=86400"})

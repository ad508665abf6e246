"""Front-end libraries installed from npm (package.json, package-lock.json; `npm ci` in
scripts/lib.sh bootstrap), served from the app's own origin under /static/vendor/ (the CSP
allows scripts from 'self' only: no CDN).

VENDOR_FILES names each file the pages may load and where npm puts it under
node_modules; only those are served, never anything else in node_modules. To add a
library: `npm install --save-exact <package>`, then one line here.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory

# URL name -> path under node_modules.
VENDOR_FILES = {
    "chart.umd.min.js": "chart.js/dist/chart.umd.min.js",
    "twilio.min.js": "@twilio/voice-sdk/dist/twilio.min.js",
}
# The repository's node_modules, next to package.json; the app setting NODE_MODULES (a
# Flask config key) points elsewhere, e.g. in a test of the missing-file message.
DEFAULT_NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"
ENDPOINT = "vendor.vendor_file"

bp = Blueprint("vendor", __name__)


def node_modules() -> Path:
    return Path(current_app.config.get("NODE_MODULES") or DEFAULT_NODE_MODULES)


def vendor_available(name: str) -> bool:
    """Whether the library file `name` (a key of VENDOR_FILES) is installed."""
    return name in VENDOR_FILES and (node_modules() / VENDOR_FILES[name]).is_file()


@bp.get("/static/vendor/<vendor_file>")
def vendor_file(vendor_file: str):
    if not vendor_available(vendor_file):
        abort(404)
    path = Path(VENDOR_FILES[vendor_file])
    return send_from_directory(node_modules() / path.parent, path.name)


def init_vendor(app) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["vendor_available"] = vendor_available

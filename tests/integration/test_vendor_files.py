"""The npm libraries the panel serves itself (web.vendor): the mapped files only, cacheable
like the other static files; and when one is not installed, the dashboard says how to
install it and keeps its charts' figures as tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import sign_in
from tests.factories import PASSWORD, UserFactory
from voiceapp.web.vendor import DEFAULT_NODE_MODULES, VENDOR_FILES

pytestmark = pytest.mark.skipif(
    not (DEFAULT_NODE_MODULES / "chart.js").is_dir(),
    reason="the front-end libraries are not installed: npm ci (scripts/lib.sh bootstrap)",
)


def test_chart_js_is_served_from_the_apps_own_origin_and_cached_like_static_files(client):
    answer = client.get("/static/vendor/chart.umd.min.js")
    assert answer.status_code == 200
    assert answer.mimetype in ("text/javascript", "application/javascript")
    assert b"window.Chart=" in answer.data
    assert "no-store" not in answer.headers.get("Cache-Control", "")
    assert answer.headers["Content-Security-Policy"].startswith("default-src 'self'")


@pytest.mark.parametrize(
    "name", ["chart.js", "..%2Fpackage.json", "chart.js%2Fpackage.json", "nothing.js"]
)
def test_nothing_but_the_mapped_files_is_served(client, name):
    assert client.get(f"/static/vendor/{name}").status_code == 404


def test_the_mapped_files_exist_in_the_installed_packages():
    for name, path in VENDOR_FILES.items():
        assert (DEFAULT_NODE_MODULES / path).is_file(), name


def test_the_dashboard_loads_chart_js_when_installed(client, ctx):
    agent = UserFactory(role="agent")
    sign_in(client, agent.email, PASSWORD)
    page = client.get("/").text
    assert 'src="/static/vendor/chart.umd.min.js"' in page
    assert 'src="/static/dashboard-charts.js"' in page
    assert 'data-testid="charts-missing"' not in page


def test_without_chart_js_the_dashboard_says_how_to_install_it(
    app, client, ctx, monkeypatch, tmp_path: Path
):
    monkeypatch.setitem(app.config, "NODE_MODULES", str(tmp_path))  # an empty node_modules
    agent = UserFactory(role="agent")
    sign_in(client, agent.email, PASSWORD)
    page = client.get("/").text
    assert "The charts need Chart.js" in page and "npm ci" in page
    assert "chart.umd.min.js" not in page and "<canvas" not in page
    # The figures are still there, as tables, open.
    assert 'data-testid="chart-days"' in page and "<details open>" in page
    assert client.get("/static/vendor/chart.umd.min.js").status_code == 404

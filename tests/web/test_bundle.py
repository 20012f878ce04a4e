"""The committed page bundle (fhir_werk/web/static) is what web/ builds today.

Chosen over building it in scripts/setup-js: the bundle ships inside the Python package, so
``pip install`` and ``fhir-werk serve`` need no Node; this test is what keeps it honest.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from fhir_werk.web import STATIC_DIR

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.node


def _files(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


def test_the_committed_bundle_is_current(tmp_path: Path) -> None:
    if shutil.which("node") is None or not (ROOT / "tests/js/node_modules/vite").is_dir():
        pytest.fail("node of tests/js/node_modules ontbreekt: draai scripts/setup-js", pytrace=False)
    out = tmp_path / "static"
    result = subprocess.run(
        [str(ROOT / "scripts" / "build-web")],
        env=os.environ | {"FHIR_WERK_WEB_OUT": str(out)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert _files(out) == _files(STATIC_DIR), "draai scripts/build-web en commit fhir_werk/web/static"
    stale = [name for name in _files(out) if not filecmp.cmp(out / name, STATIC_DIR / name, shallow=False)]
    assert stale == [], f"verouderd: {stale}; draai scripts/build-web en commit fhir_werk/web/static"


def test_the_bundle_loads_nothing_from_elsewhere() -> None:
    index = (STATIC_DIR / "index.html").read_text("utf-8")
    assert "https://" not in index
    assert 'src="./assets/pagina.js"' in index or 'src="./assets/pagina.js"' in index

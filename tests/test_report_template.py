"""The committed report template is what tools/make_report_template.py builds.

The template is generated, then committed; an edit to the generator (or to the constants it
shares with the renderer, `dutyflow.report.template_layout`) without building again, or an edit
of the .docx by hand, would leave the two apart. Every part of the package is compared, not the
zip's bytes (a zip entry carries the time it was written).
"""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path
from types import ModuleType

from dutyflow.report.template_layout import DYNAMIC_TABLE, TEMPLATE

GENERATOR = Path(__file__).resolve().parent.parent / "tools" / "make_report_template.py"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_report_template", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


def test_the_committed_template_is_what_the_generator_builds(tmp_path: Path) -> None:
    built = _parts(_generator().build(tmp_path / "bao-cao.docx"))
    committed = _parts(TEMPLATE)
    assert sorted(built) == sorted(committed)
    different = [name for name in sorted(built) if built[name] != committed[name]]
    assert not different, f"build tools/make_report_template.py again: {different} differ"


def test_the_generator_writes_the_caption_the_renderer_looks_for(tmp_path: Path) -> None:
    document = _parts(_generator().build(tmp_path / "bao-cao.docx"))["word/document.xml"].decode()
    assert f'w:tblCaption w:val="{DYNAMIC_TABLE}"' in document

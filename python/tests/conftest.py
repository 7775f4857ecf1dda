"""Shared pytest fixtures: put python/ on sys.path and export each built-in once per session."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, Tuple

import jsonschema
import pytest

PYTHON_DIR = Path(__file__).resolve().parents[1]
if str(PYTHON_DIR) not in sys.path:
    sys.path.insert(0, str(PYTHON_DIR))

from tier4_export import export_model, get_builtin  # noqa: E402
from tier4_export.models import builtin_source  # noqa: E402

ALL_FORMATS = ("onnx", "torchscript", "pytorch")

METADATA_SCHEMA_PATH = PYTHON_DIR.parent / "packages" / "fixtures" / "schema" / "metadata.schema.json"
"""The one definition of metadata.json: TypeScript's types and reader come from it, and every export
these tests make is validated against it."""


def validate_metadata(metadata: Dict[str, Any]) -> None:
    """Raise ``jsonschema.ValidationError`` unless ``metadata`` follows metadata.schema.json."""
    schema = json.loads(METADATA_SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.Draft7Validator(schema).validate(metadata)


@dataclass
class Exported:
    """One export made by a fixture: the directory, the returned paths and the parsed metadata."""

    name: str
    dir: Path
    paths: Dict[str, Path]
    metadata: Dict[str, Any]


def _export(tmp_root: Path, name: str, quantization: Any = None, num_samples: int = 10) -> Exported:
    """Export built-in ``name`` with every format into a nested directory under ``tmp_root``."""
    model, spec = get_builtin(name, seed=0)
    out = tmp_root / name / ("q" if quantization else "fp32") / "nested"
    paths = export_model(
        model,
        spec,
        out,
        formats=ALL_FORMATS,
        quantization=quantization,
        num_samples=num_samples,
        seed=0,
        model_source=builtin_source(name, 0),
    )
    metadata = json.loads((out / "metadata.json").read_text())
    validate_metadata(metadata)
    return Exported(name=name, dir=out, paths=paths, metadata=metadata)


@pytest.fixture(scope="session")
def export_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Session temp dir holding the shared exports."""
    return tmp_path_factory.mktemp("exports")


@pytest.fixture(scope="session")
def cnn_export(export_root: Path) -> Exported:
    """simple_cnn exported once in all formats, fp32."""
    return _export(export_root, "simple_cnn")


@pytest.fixture(scope="session")
def lm_export(export_root: Path) -> Exported:
    """lm_stub exported once in all formats, fp32."""
    return _export(export_root, "lm_stub")


@pytest.fixture(scope="session")
def lm_quantized_export(export_root: Path) -> Exported:
    """lm_stub exported once with dynamic quantization (ONNX fails in torch 1.13, by design)."""
    return _export(export_root, "lm_stub", quantization="dynamic")


@pytest.fixture(params=["simple_cnn", "lm_stub"])
def any_export(request: pytest.FixtureRequest, cnn_export: Exported, lm_export: Exported) -> Iterator[Exported]:
    """Each fp32 built-in export in turn."""
    yield cnn_export if request.param == "simple_cnn" else lm_export


def builtin(name: str) -> Tuple[Any, Any]:
    """Shortcut for ``get_builtin(name, seed=0)``."""
    return get_builtin(name, seed=0)

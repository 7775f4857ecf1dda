"""tier4_export: export PyTorch models for Tier 4 testing.

The package turns a PyTorch model plus a :class:`TaskSpec` into an *export
directory* (``model.onnx``, ``model.torchscript``, ``model.pth``, reference
samples as ``.npy`` and ``metadata.json``) as described in
``docs/export-format.md``. The TypeScript side (``vitest-tier4``) reads that
directory without Python.

Public API::

    from tier4_export import TaskSpec, generate_dummy_input, export_model
    from tier4_export import get_builtin, load_model_source, load_factory

Names are imported lazily, so ``python -m tier4_export info`` can report a
missing torch instead of crashing on import.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Dict

__version__ = "0.1.0"

_EXPORTS: Dict[str, str] = {
    "TaskSpec": "task_spec",
    "Modality": "task_spec",
    "TaskSpecError": "errors",
    "ExportError": "errors",
    "FactoryError": "errors",
    "generate_dummy_input": "dummy_input",
    "export_model": "export",
    "SUPPORTED_FORMATS": "export",
    "load_factory": "factory",
    "parse_factory_ref": "factory",
    "builtin_names": "models",
    "get_builtin": "models",
    "load_model_source": "models",
}

__all__ = [
    "ExportError",
    "FactoryError",
    "Modality",
    "SUPPORTED_FORMATS",
    "TaskSpec",
    "TaskSpecError",
    "__version__",
    "builtin_names",
    "export_model",
    "generate_dummy_input",
    "get_builtin",
    "load_factory",
    "load_model_source",
    "parse_factory_ref",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from .dummy_input import generate_dummy_input as generate_dummy_input
    from .errors import ExportError as ExportError
    from .errors import FactoryError as FactoryError
    from .errors import TaskSpecError as TaskSpecError
    from .export import SUPPORTED_FORMATS as SUPPORTED_FORMATS
    from .export import export_model as export_model
    from .factory import load_factory as load_factory
    from .factory import parse_factory_ref as parse_factory_ref
    from .models import builtin_names as builtin_names
    from .models import get_builtin as get_builtin
    from .models import load_model_source as load_model_source
    from .task_spec import Modality as Modality
    from .task_spec import TaskSpec as TaskSpec


def __getattr__(name: str) -> Any:
    """Import public names on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'tier4_export' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value

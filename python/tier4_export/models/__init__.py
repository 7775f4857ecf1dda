"""Registry of built-in models and rebuilding a model from metadata's ``model_source``.

``get_builtin(name, seed)`` returns ``(model, task_spec)`` for ``"lm_stub"`` or
``"simple_cnn"``. ``load_model_source(source)`` rebuilds the eager model
described by an export's ``metadata.json["model_source"]`` (a builtin or a
user's ``file.py:factory``); the TorchScript worker uses it to run the eager
baseline.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Mapping, Tuple

from torch import nn

from ..task_spec import TaskSpec
from .lm_stub import build_lm_stub
from .simple_cnn import build_simple_cnn

Builder = Callable[[int], Tuple[nn.Module, TaskSpec]]

BUILTINS: Dict[str, Builder] = {
    "lm_stub": build_lm_stub,
    "simple_cnn": build_simple_cnn,
}
"""Built-in model builders by name; each takes a seed."""


def builtin_names() -> List[str]:
    """Sorted names of the built-in models."""
    return sorted(BUILTINS)


def get_builtin(name: str, seed: int = 0) -> Tuple[nn.Module, TaskSpec]:
    """Build built-in model ``name`` with weights determined by ``seed``.

    Raises:
        ValueError: for an unknown name (the message lists the known ones).
    """
    if name not in BUILTINS:
        raise ValueError(
            f"unknown built-in model: expected one of {builtin_names()}, received {name!r}"
        )
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed: expected an int >= 0, received {seed!r}")
    return BUILTINS[name](seed)


def builtin_source(name: str, seed: int = 0) -> Dict[str, Any]:
    """``model_source`` record for a built-in model."""
    return {"kind": "builtin", "name": name, "seed": seed}


def load_model_source(source: Mapping[str, Any]) -> Tuple[nn.Module, TaskSpec]:
    """Rebuild ``(model, task_spec)`` from a metadata ``model_source`` record.

    Args:
        source: ``{"kind": "builtin", "name": ..., "seed": ...}`` or
            ``{"kind": "file", "file": "/abs/model.py", "factory": "make_model", "cwd": "/abs"}``
            (``cwd``, optional: the export's working directory, where the factory runs).

    Returns:
        The eager model (eval mode) and its TaskSpec.

    Raises:
        ValueError: when the record is malformed or null (an in-memory model cannot be rebuilt).
        FactoryError: when a file factory cannot be loaded or raises.
    """
    from ..factory import load_factory  # local import: factory imports this package

    if not isinstance(source, Mapping):
        raise ValueError(
            "model_source: expected a dict with kind 'builtin' or 'file', received "
            f"{source!r} (an export made from an in-memory model records null and cannot be rebuilt)"
        )
    kind = source.get("kind")
    if kind == "builtin":
        return get_builtin(str(source.get("name")), int(source.get("seed", 0)))
    if kind == "file":
        file = source.get("file")
        factory = source.get("factory")
        if not isinstance(file, str) or not isinstance(factory, str):
            raise ValueError(
                "model_source (kind 'file'): expected string keys 'file' and 'factory', "
                f"received {dict(source)!r}"
            )
        cwd = source.get("cwd")
        model, spec = load_factory(f"{file}:{factory}", cwd=cwd if isinstance(cwd, str) else None)
        model.eval()
        return model, spec
    raise ValueError(f"model_source.kind: expected 'builtin' or 'file', received {kind!r}")


__all__ = ["BUILTINS", "builtin_names", "builtin_source", "get_builtin", "load_model_source"]

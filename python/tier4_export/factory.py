"""Load a user's model from ``path/to/file.py:factory``.

The file's directory is first on ``sys.path`` while the file is imported and
while its factory runs, so sibling modules can be imported at either time.

Relative paths inside a factory (``torch.load("weights.pt")``) resolve against the working
directory, which is not the same when the export is built and when the eager baseline is
rebuilt during validation (a Vitest project's root, the CLI's cwd). Two things keep them
working: :func:`file_source` records the export's working directory (``model_source.cwd``)
and :func:`load_factory` given ``cwd`` runs the import and the factory there, so the
baseline sees what the export saw; and a factory that fails with a FileNotFoundError on a
relative path says which directory it was resolved against and how to resolve it against
the factory file instead (``Path(__file__).parent / "weights.pt"``, the recommended pattern).

The factory is a zero-argument callable returning ``(model, task_spec)`` where
``model`` is a ``torch.nn.Module`` and ``task_spec`` a :class:`TaskSpec` (or a
dict accepted by :meth:`TaskSpec.from_dict`). Any exception raised while
importing the file or calling the factory becomes a :class:`FactoryError`
whose ``details`` carry the user's traceback.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, Mapping, Optional, Tuple

from torch import nn

from .errors import FactoryError, TaskSpecError, user_traceback
from .task_spec import TaskSpec


def parse_factory_ref(ref: str) -> Tuple[Path, str]:
    """Split ``"path/to/file.py:factory"`` into ``(absolute path, factory name)``.

    The split happens at the last ``:``, so Windows drive letters survive.

    Raises:
        FactoryError: when the reference has no ``:factory`` part or the name is not an identifier.
    """
    if not isinstance(ref, str) or ":" not in ref:
        raise FactoryError(
            f"model reference: expected 'path/to/file.py:factory', received {ref!r}"
        )
    file_part, name = ref.rsplit(":", 1)
    if not file_part or not name.isidentifier():
        raise FactoryError(
            "model reference: expected 'path/to/file.py:factory' with a Python identifier after "
            f"the last ':', received {ref!r}"
        )
    return Path(file_part).expanduser().resolve(), name


def is_factory_ref(ref: str) -> bool:
    """True when ``ref`` looks like ``something.py:name`` (as opposed to a built-in name)."""
    if ":" not in ref:
        return False
    file_part = ref.rsplit(":", 1)[0]
    return file_part.endswith(".py")


@contextlib.contextmanager
def _first_on_sys_path(folder: Path) -> Iterator[None]:
    """Put ``folder`` first on ``sys.path`` meanwhile (so the user's sibling modules import)."""
    entry = str(folder)
    sys.path.insert(0, entry)
    try:
        yield
    finally:
        try:
            sys.path.remove(entry)
        except ValueError:
            pass


@contextlib.contextmanager
def _working_directory(folder: Optional[str]) -> Iterator[None]:
    """Run meanwhile in ``folder`` (nothing changes for None or a directory that no longer exists)."""
    if folder is None or not os.path.isdir(folder):
        yield
        return
    previous = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous)


def _relative_path_hint(exc: BaseException) -> str:
    """For a FileNotFoundError on a relative path: where it was looked for and what to do instead."""
    filename = getattr(exc, "filename", None)
    if not isinstance(exc, FileNotFoundError) or not isinstance(filename, str) or os.path.isabs(filename):
        return ""
    return (
        f" (the relative path {filename!r} was resolved against the working directory {os.getcwd()}; "
        f"resolve it against the factory file instead: Path(__file__).parent / {filename!r})"
    )


def _import_file(path: Path) -> Any:
    """Import ``path`` as a fresh module (the caller puts its directory on sys.path)."""
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:12]
    module_name = f"tier4_user_model_{digest}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise FactoryError(f"model file {path}: cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:  # noqa: BLE001 - user code may raise anything, even SystemExit
        sys.modules.pop(module_name, None)
        raise FactoryError(
            f"model file {path} raised {type(exc).__name__} while being imported: {exc}{_relative_path_hint(exc)}",
            details=user_traceback(exc),
        ) from exc
    return module


def load_factory(ref: str, cwd: Optional[str] = None) -> Tuple[nn.Module, TaskSpec]:
    """Import ``file.py``, call ``factory()`` and check what it returns.

    Args:
        ref: ``"path/to/file.py:factory"``.
        cwd: run the import and the factory in this working directory (``model_source.cwd``,
            the export's); ignored when None or missing.

    Returns:
        ``(model, task_spec)``.

    Raises:
        FactoryError: file missing, import error, factory missing / not callable /
            raising, or a return value that is not ``(nn.Module, TaskSpec | dict)``.
    """
    path, name = parse_factory_ref(ref)
    if not path.is_file():
        raise FactoryError(f"model file: expected an existing .py file, received {str(path)!r} (not found)")
    # The file's directory stays importable while the module loads AND while the factory runs,
    # so a factory may import sibling modules lazily.
    with _first_on_sys_path(path.parent), _working_directory(cwd):
        return _load_and_call(path, name)


def _load_and_call(path: Path, name: str) -> Tuple[nn.Module, TaskSpec]:
    """Import ``path``, call its factory ``name`` and check the result (see :func:`load_factory`)."""
    module = _import_file(path)
    factory = getattr(module, name, None)
    if factory is None:
        available = sorted(n for n in vars(module) if not n.startswith("_") and callable(getattr(module, n)))
        raise FactoryError(
            f"model file {path}: expected a callable named {name!r}, found none "
            f"(callables defined: {available})"
        )
    if not callable(factory):
        raise FactoryError(
            f"model file {path}: expected {name!r} to be callable, received {type(factory).__name__}"
        )
    try:
        result = factory()
    except BaseException as exc:  # noqa: BLE001 - report any user failure with its traceback
        raise FactoryError(
            f"factory {name!r} in {path} raised {type(exc).__name__}: {exc}{_relative_path_hint(exc)}",
            details=user_traceback(exc),
        ) from exc
    return _check_result(result, f"factory {name!r} in {path}")


def _check_result(result: Any, where: str) -> Tuple[nn.Module, TaskSpec]:
    """Validate a factory's return value and normalise a dict task spec."""
    if not isinstance(result, tuple) or len(result) != 2:
        raise FactoryError(
            f"{where}: expected to return a (model, task_spec) tuple, received {type(result).__name__}"
        )
    model, spec = result
    if not isinstance(model, nn.Module):
        raise FactoryError(
            f"{where}: expected the model to be a torch.nn.Module, received {type(model).__name__}"
        )
    if isinstance(spec, Mapping):
        try:
            spec = TaskSpec.from_dict(spec)
        except TaskSpecError as exc:
            raise FactoryError(f"{where}: invalid task_spec dict: {exc}") from exc
    if not isinstance(spec, TaskSpec):
        raise FactoryError(
            f"{where}: expected the task_spec to be a tier4_export.TaskSpec or dict, "
            f"received {type(spec).__name__}"
        )
    return model, spec


def file_source(ref: str) -> Dict[str, Any]:
    """``model_source`` record for a user factory: absolute file path, factory name, and the
    working directory of the export (where the factory's relative paths resolved)."""
    path, name = parse_factory_ref(ref)
    return {"kind": "file", "file": str(path), "factory": name, "cwd": os.getcwd()}

"""Module scopes of ONNX node names, as torch.onnx (1.13 and later, TorchScript exporter) writes them.

A node exported inside module ``layer1.0.conv1`` is named ``/layer1/layer1.0/conv1/Conv``: the
part before the last ``/`` is the scope, one segment per module call, each segment the module's
name relative to an enclosing module (``layer1.0`` under ``layer1``, ``downsample.0`` under
``layer2.0.downsample``). A module called again in the same scope gets a numbered segment
(``relu``, ``relu_1``). Nodes outside every module (the exporter's ``Identity_3``) have no scope.
"""

from __future__ import annotations

import re
from typing import Iterable, List, Optional, Set

_CALL_SUFFIX = re.compile(r"^(.*)_(\d+)$")


def node_scope(node_name: str) -> Optional[str]:
    """``"/layer1/layer1.0/conv1"`` for ``"/layer1/layer1.0/conv1/Conv"``; ``""`` for ``"/Add"``; None without a scope."""
    if not node_name.startswith("/"):
        return None
    return node_name.rsplit("/", 1)[0]


def known_module_names(leaf_modules: Iterable[str]) -> Set[str]:
    """Every leaf module name and every ancestor of one (``a.b.c`` gives ``a``, ``a.b``, ``a.b.c``)."""
    known: Set[str] = set()
    for name in leaf_modules:
        parts = name.split(".")
        for i in range(1, len(parts) + 1):
            known.add(".".join(parts[:i]))
    return known


def _ancestors(qualified: str) -> List[str]:
    """``qualified`` and its ancestors, deepest first, ending with the root ``""``."""
    out: List[str] = []
    parts = qualified.split(".") if qualified else []
    for i in range(len(parts), 0, -1):
        out.append(".".join(parts[:i]))
    out.append("")
    return out


def resolve_scope(scope: str, known: Set[str]) -> Optional[str]:
    """The qualified module name a scope stands for, or None when a segment names no known module.

    Each segment is tried as written and without a ``_N`` call suffix, appended to the module
    resolved so far and then to each of its ancestors (deepest first): the first known name wins.
    """
    current = ""
    for segment in [s for s in scope.split("/") if s]:
        candidates = [segment]
        m = _CALL_SUFFIX.match(segment)
        if m:
            candidates.append(m.group(1))
        found: Optional[str] = None
        for cand in candidates:
            for base in _ancestors(current):
                name = f"{base}.{cand}" if base else cand
                if name in known:
                    found = name
                    break
            if found is not None:
                break
        if found is None:
            return None
        current = found
    return current

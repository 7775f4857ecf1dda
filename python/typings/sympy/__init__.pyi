# A stand-in for sympy, for mypy only (pyproject.toml, `mypy_path`): torch imports sympy for its
# symbolic shapes, and without this stub mypy analyses all of sympy on a cold cache, about 35 of
# its 60 s here, for a package this project never calls. Every name is Any.
from typing import Any

def __getattr__(name: str) -> Any: ...

"""trace_torchscript decides the tracer's ``strict`` flag from the model's own output."""

from typing import Any, Dict, List, NamedTuple, Tuple

import pytest
import torch
from torch import nn

from tier4_export.formats import trace_torchscript


class Pair(NamedTuple):
    a: torch.Tensor
    b: torch.Tensor


class Outputs(nn.Module):
    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.lin = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> Any:
        y = self.lin(x)
        if self.kind == "tensor":
            return y
        if self.kind == "tuple":
            return y, y * 2
        if self.kind == "namedtuple":
            return Pair(y, y * 2)
        if self.kind == "dict":
            out: Dict[str, torch.Tensor] = {"a": y, "b": y * 2}
            return out
        if self.kind == "list":
            lst: List[torch.Tensor] = [y, y * 2]
            return lst
        nested: Tuple[torch.Tensor, Dict[str, torch.Tensor]] = (y, {"b": y * 2})
        return nested


@pytest.mark.parametrize("kind", ["tensor", "tuple", "namedtuple", "dict", "list", "nested"])
def test_every_output_structure_traces_and_matches_eager(kind: str) -> None:
    torch.manual_seed(0)
    model = Outputs(kind).eval()
    x = torch.randn(3, 4)
    traced = trace_torchscript(model, (x,))
    with torch.no_grad():
        want = model(x)
        got = traced(x)

    def flat(v: Any) -> List[torch.Tensor]:
        if isinstance(v, torch.Tensor):
            return [v]
        if isinstance(v, dict):
            return [t for k in sorted(v) for t in flat(v[k])]
        return [t for item in v for t in flat(item)]

    assert len(flat(got)) == len(flat(want))
    for g, w in zip(flat(got), flat(want)):
        torch.testing.assert_close(g, w)


def test_a_dict_output_fails_the_strict_tracer_itself() -> None:
    # the reason trace_torchscript decides: torch refuses a dict output when strict
    model = Outputs("dict").eval()
    with pytest.raises(Exception, match="dict"):
        with torch.no_grad():
            torch.jit.trace(model, (torch.randn(1, 4),), strict=True)

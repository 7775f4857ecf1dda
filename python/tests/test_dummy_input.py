"""generate_dummy_input: shapes, dtypes, ranges, seeding."""

from __future__ import annotations

from typing import Any, Dict

import pytest
import torch

from tier4_export import TaskSpec, generate_dummy_input

TEXT = TaskSpec("t", "text", "text-generation", {"vocab_size": 7, "max_seq_len": 32})
VISION = TaskSpec("v", "vision", "image-classification", {"image_size": [3, 16, 8]})


@pytest.mark.parametrize("batch", [1, 4])
def test_text_input_ids(batch: int) -> None:
    inputs = generate_dummy_input(TEXT, batch_size=batch, seed=3)
    assert list(inputs) == ["input_ids"]
    ids = inputs["input_ids"]
    assert ids.dtype == torch.int64
    assert tuple(ids.shape) == (batch, 32)
    assert int(ids.min()) >= 0 and int(ids.max()) < 7


def test_text_covers_the_vocabulary() -> None:
    ids = generate_dummy_input(TEXT, batch_size=8, seed=0)["input_ids"]
    assert set(ids.unique().tolist()) == set(range(7))


@pytest.mark.parametrize("batch", [1, 4])
def test_vision_pixel_values(batch: int) -> None:
    inputs = generate_dummy_input(VISION, batch_size=batch, seed=3)
    assert list(inputs) == ["pixel_values"]
    px = inputs["pixel_values"]
    assert px.dtype == torch.float32
    assert tuple(px.shape) == (batch, 3, 16, 8)
    assert float(px.min()) >= 0.0 and float(px.max()) < 1.0


@pytest.mark.parametrize("spec", [TEXT, VISION], ids=["text", "vision"])
def test_same_seed_same_tensor_other_seed_other_tensor(spec: TaskSpec) -> None:
    a = generate_dummy_input(spec, 2, seed=11)
    b = generate_dummy_input(spec, 2, seed=11)
    c = generate_dummy_input(spec, 2, seed=12)
    name = spec.input_names[0]
    assert torch.equal(a[name], b[name])
    assert not torch.equal(a[name], c[name])


def test_global_rng_is_neither_used_nor_advanced() -> None:
    torch.manual_seed(123)
    first = generate_dummy_input(VISION, 1, seed=5)["pixel_values"]
    after = torch.rand(3)
    torch.manual_seed(123)
    assert torch.equal(torch.rand(3), after)  # the global stream did not advance
    torch.manual_seed(999)
    assert torch.equal(generate_dummy_input(VISION, 1, seed=5)["pixel_values"], first)


@pytest.mark.parametrize("kwargs, message", [
    ({"batch_size": 0}, "batch_size: expected an int >= 1, received 0"),
    ({"batch_size": 1.5}, "batch_size: expected an int >= 1, received 1.5"),
    ({"seed": -1}, "seed: expected an int >= 0, received -1"),
])
def test_bad_arguments(kwargs: Dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as info:
        generate_dummy_input(TEXT, **kwargs)
    assert str(info.value) == message


def test_not_a_task_spec() -> None:
    with pytest.raises(TypeError, match="expected a TaskSpec, received dict"):
        generate_dummy_input({"modality": "text"})  # type: ignore[arg-type]

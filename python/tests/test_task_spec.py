"""TaskSpec validation and (de)serialisation."""

from __future__ import annotations

from typing import Any, Dict

import pytest

from tier4_export import TaskSpec, TaskSpecError


def text_spec(**schema: Any) -> TaskSpec:
    """A text TaskSpec with ``schema`` merged into a valid input schema."""
    return TaskSpec("t", "text", "text-generation", {"vocab_size": 10, "max_seq_len": 4, **schema})


def test_text_spec_names_shapes_and_axes() -> None:
    spec = text_spec()
    assert spec.input_names == ["input_ids"]
    assert spec.output_names == ["logits"]
    assert spec.input_shape() == ["batch", "sequence"]
    assert spec.input_dtype() == "int64"
    assert spec.dynamic_input_axes() == {0: "batch", 1: "sequence"}


def test_vision_spec_names_shapes_and_axes() -> None:
    spec = TaskSpec("v", "vision", "image-classification", {"image_size": [3, 8, 8]},
                    {"output_names": ["scores", "features"]})
    assert spec.input_names == ["pixel_values"]
    assert spec.output_names == ["scores", "features"]
    assert spec.input_shape() == ["batch", 3, 8, 8]
    assert spec.input_dtype() == "float32"
    assert spec.dynamic_input_axes() == {0: "batch"}


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"modality": "audio"}, "TaskSpec.modality: expected one of ['text', 'vision'], received 'audio'"),
        ({"task_name": ""}, "TaskSpec.task_name: expected a non-empty string, received ''"),
        ({"input_schema": {"vocab_size": 10}}, "TaskSpec.input_schema['max_seq_len'] (text modality): expected a positive int, received None"),
        ({"input_schema": {"vocab_size": True, "max_seq_len": 4}}, "input_schema['vocab_size'] (text modality): expected a positive int, received True"),
        ({"input_schema": [1, 2]}, "TaskSpec.input_schema: expected a dict, received list [1, 2]"),
        ({"output_schema": {"output_names": ["input_ids"]}}, "expected names different from the input names ['input_ids']"),
        ({"output_schema": {"output_names": ["a", "a"]}}, "expected a non-empty list of distinct non-empty strings"),
        ({"output_schema": {"fn": print}}, "TaskSpec.output_schema: expected a JSON-serialisable dict"),
    ],
)
def test_invalid_text_spec_names_field_expected_and_received(kwargs: Dict[str, Any], message: str) -> None:
    fields: Dict[str, Any] = {
        "task_name": "t",
        "modality": "text",
        "task_type": "text-generation",
        "input_schema": {"vocab_size": 10, "max_seq_len": 4},
        "output_schema": {},
    }
    fields.update(kwargs)
    with pytest.raises(TaskSpecError) as info:
        TaskSpec(**fields)
    assert message in str(info.value)


@pytest.mark.parametrize("image_size", [None, [], [3, 0, 8], [3, "8", 8], "3x8x8"])
def test_invalid_image_size(image_size: Any) -> None:
    with pytest.raises(TaskSpecError, match=r"image_size'\] \(vision modality\): expected a non-empty list"):
        TaskSpec("v", "vision", "image-classification", {"image_size": image_size})


def test_schemas_are_stored_as_plain_json_values() -> None:
    spec = TaskSpec("v", "vision", "image-classification", {"image_size": (3, 8, 8)})
    assert spec.input_schema == {"image_size": [3, 8, 8]}
    assert spec.input_shape() == ["batch", 3, 8, 8]


def test_round_trip_through_dict() -> None:
    spec = text_spec(extra="kept")
    again = TaskSpec.from_dict(spec.to_dict())
    assert again == spec
    assert again.input_schema["extra"] == "kept"


def test_from_dict_missing_keys() -> None:
    with pytest.raises(TaskSpecError, match=r"missing key\(s\) \['modality', 'task_type'\]"):
        TaskSpec.from_dict({"task_name": "x"})

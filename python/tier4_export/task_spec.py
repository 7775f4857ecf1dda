"""TaskSpec: what a model consumes and produces.

A :class:`TaskSpec` tells the exporter how to build inputs for a model
(``generate_dummy_input``), which names to give inputs and outputs in the
exported graph, and which axes are dynamic.

Inputs by modality:

* ``"text"``: ``input_ids`` (int64 ``[batch, sequence]``), optionally followed by
  ``attention_mask`` and/or ``token_type_ids`` (int64 ``[batch, sequence]``), declared
  with ``input_schema["input_names"]`` (default ``["input_ids"]``; ``input_ids`` first).
  ``input_schema`` must hold ``vocab_size`` and ``max_seq_len`` (positive ints); it may
  hold ``pad_token_id`` (int in ``[0, vocab_size)``, default 0), ``type_vocab_size``
  (int >= 2, default 2) and ``min_seq_len`` (the shorter sequence length of the reference
  samples, ``1 <= min_seq_len <= max_seq_len``, default ``max(1, max_seq_len // 2)``).
* ``"vision"``: one input ``pixel_values`` (float32 ``[batch, *image_size]``);
  ``input_schema`` must hold ``image_size`` (a non-empty list of positive ints,
  e.g. ``[3, 32, 32]`` or a spectrogram's ``[3, 128, 32]``).

A model receives its inputs by keyword when every input name is a parameter of its
``forward`` (``forward(input_ids, attention_mask=None)``), positionally otherwise.

``output_schema`` is free-form and recorded as given; the optional key
``output_names`` (list of str) names the model's outputs in order (default
``["logits"]``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Literal, Mapping, Tuple

from .errors import TaskSpecError

Modality = Literal["text", "vision"]
"""The modality of a TaskSpec (type checkers reject other strings; the constructor too)."""

MODALITIES: Tuple[str, ...] = ("text", "vision")
"""Modalities a TaskSpec may declare."""

INPUT_NAMES: Dict[str, str] = {"text": "input_ids", "vision": "pixel_values"}
"""The first (for vision: only) model input name of each modality."""

TEXT_EXTRA_INPUTS: Tuple[str, ...] = ("attention_mask", "token_type_ids")
"""Inputs a text TaskSpec may declare after ``input_ids`` in ``input_schema['input_names']``."""

DEFAULT_OUTPUT_NAMES: Tuple[str, ...] = ("logits",)
"""Output names used when ``output_schema`` has no ``output_names``."""


def _is_int(value: Any) -> bool:
    """Return True for a real int (bool is rejected)."""
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class TaskSpec:
    """Description of a model's task, inputs and outputs.

    Attributes:
        task_name: short identifier, e.g. ``"lm_stub"``.
        modality: ``"text"`` or ``"vision"``.
        task_type: e.g. ``"text-generation"``, ``"image-classification"``.
        input_schema: modality-specific input description (see module docstring).
        output_schema: free-form output description; optional ``output_names``.

    Raises:
        TaskSpecError: on construction, when a field is missing or has the wrong type.
    """

    task_name: str
    modality: Modality
    task_type: str
    input_schema: Dict[str, Any] = field(default_factory=dict)
    output_schema: Dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Validate every field and store plain-dict copies of the schemas."""
        for name in ("task_name", "task_type"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise TaskSpecError(
                    f"TaskSpec.{name}: expected a non-empty string, received {value!r}"
                )
        if self.modality not in MODALITIES:
            raise TaskSpecError(
                f"TaskSpec.modality: expected one of {list(MODALITIES)}, received {self.modality!r}"
            )
        for name in ("input_schema", "output_schema"):
            value = getattr(self, name)
            if not isinstance(value, Mapping):
                raise TaskSpecError(
                    f"TaskSpec.{name}: expected a dict, received {type(value).__name__} {value!r}"
                )
            try:
                plain = json.loads(json.dumps(dict(value)))
            except (TypeError, ValueError) as exc:
                raise TaskSpecError(
                    f"TaskSpec.{name}: expected a JSON-serialisable dict, received {value!r} ({exc})"
                ) from exc
            object.__setattr__(self, name, plain)
        if self.modality == "text":
            self._validate_text()
        else:
            self._validate_vision()
        self._validate_output_names()

    def _validate_text(self) -> None:
        """Check ``vocab_size``, ``max_seq_len``, ``input_names`` and the optional ints of a text task."""
        schema = self.input_schema
        for key in ("vocab_size", "max_seq_len"):
            value: Any = schema.get(key)
            if not (_is_int(value) and value >= 1):
                raise TaskSpecError(
                    f"TaskSpec.input_schema[{key!r}] (text modality): expected a positive int, "
                    f"received {value!r}"
                )
        names = schema.get("input_names")
        if names is not None and (
            not isinstance(names, list)
            or not names
            or names[0] != "input_ids"
            or len(set(names)) != len(names)
            or any(n not in TEXT_EXTRA_INPUTS for n in names[1:])
        ):
            raise TaskSpecError(
                "TaskSpec.input_schema['input_names'] (text modality): expected 'input_ids' "
                f"followed by any of {list(TEXT_EXTRA_INPUTS)} (each once), received {names!r}"
            )
        vocab, max_len = int(schema["vocab_size"]), int(schema["max_seq_len"])
        if names is not None and "attention_mask" in names and vocab < 2:
            # honest masks need a real token that differs from the padding token
            raise TaskSpecError(
                "TaskSpec.input_schema['vocab_size'] (text modality): expected an int >= 2 with an "
                "attention_mask (real tokens must differ from pad_token_id, or an export that ignores "
                f"the mask cannot be told apart), received {vocab!r}"
            )
        optional = {
            "pad_token_id": (0, vocab - 1, f"an int in [0, {vocab - 1}] (below vocab_size)"),
            "type_vocab_size": (2, None, "an int >= 2"),
            "min_seq_len": (1, max_len, f"an int in [1, {max_len}] (at most max_seq_len)"),
        }
        for key, (low, high, expected) in optional.items():
            if key not in schema:
                continue
            value = schema[key]
            if not _is_int(value) or int(value) < low or (high is not None and int(value) > high):
                raise TaskSpecError(
                    f"TaskSpec.input_schema[{key!r}] (text modality): expected {expected}, "
                    f"received {value!r}"
                )

    def _validate_vision(self) -> None:
        """Check ``image_size`` for a vision task."""
        value = self.input_schema.get("image_size")
        if (
            not isinstance(value, list)
            or not value
            or not all(_is_int(v) and v >= 1 for v in value)
        ):
            raise TaskSpecError(
                "TaskSpec.input_schema['image_size'] (vision modality): expected a non-empty "
                f"list of positive ints such as [3, 32, 32], received {value!r}"
            )

    def _validate_output_names(self) -> None:
        """Check the optional ``output_names`` list."""
        names = self.output_schema.get("output_names")
        if names is None:
            return
        if (
            not isinstance(names, list)
            or not names
            or not all(isinstance(n, str) and n for n in names)
            or len(set(names)) != len(names)
        ):
            raise TaskSpecError(
                "TaskSpec.output_schema['output_names']: expected a non-empty list of distinct "
                f"non-empty strings, received {names!r}"
            )
        clash = set(names) & set(self.input_names)
        if clash:
            raise TaskSpecError(
                "TaskSpec.output_schema['output_names']: expected names different from the input "
                f"names {self.input_names}, received {names!r}"
            )

    @property
    def input_names(self) -> List[str]:
        """Names of the model inputs, in call order."""
        names = self.input_schema.get("input_names") if self.modality == "text" else None
        return list(names) if names is not None else [INPUT_NAMES[self.modality]]

    @property
    def sequence_lengths(self) -> List[int]:
        """Sequence lengths of a text task's reference samples: ``max_seq_len`` then the shorter one.

        One length when they coincide (``max_seq_len`` 1); empty for vision.
        """
        if self.modality != "text":
            return []
        full = int(self.input_schema["max_seq_len"])
        short = int(self.input_schema.get("min_seq_len", max(1, full // 2)))
        return [full] if short == full else [full, short]

    @property
    def output_names(self) -> List[str]:
        """Names of the model outputs, in return order."""
        names = self.output_schema.get("output_names")
        return list(names) if names is not None else list(DEFAULT_OUTPUT_NAMES)

    def input_shape(self, batch: Any = "batch") -> List[Any]:
        """Return the input shape with ``batch`` (and ``"sequence"`` for text) as dynamic axis names.

        Args:
            batch: what to put on axis 0 (a name for dynamic, or an int).
        """
        if self.modality == "text":
            return [batch, "sequence"]
        return [batch, *self.input_schema["image_size"]]

    def input_dtype(self) -> str:
        """Numpy dtype name of the model inputs (all text inputs are int64, the vision input float32)."""
        return "int64" if self.modality == "text" else "float32"

    def dynamic_input_axes(self) -> Dict[int, str]:
        """Dynamic axes of the input: ``{0: "batch"}`` plus ``{1: "sequence"}`` for text."""
        if self.modality == "text":
            return {0: "batch", 1: "sequence"}
        return {0: "batch"}

    def to_dict(self) -> Dict[str, Any]:
        """Return a JSON-serialisable dict of the five fields."""
        return {
            "task_name": self.task_name,
            "modality": self.modality,
            "task_type": self.task_type,
            "input_schema": dict(self.input_schema),
            "output_schema": dict(self.output_schema),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "TaskSpec":
        """Build a TaskSpec from a mapping with the five field names.

        Raises:
            TaskSpecError: when ``data`` is not a mapping or lacks a required key.
        """
        if not isinstance(data, Mapping):
            raise TaskSpecError(
                f"TaskSpec.from_dict: expected a dict, received {type(data).__name__}"
            )
        missing = [k for k in ("task_name", "modality", "task_type") if k not in data]
        if missing:
            raise TaskSpecError(
                f"TaskSpec.from_dict: missing key(s) {missing}; received keys {sorted(data)}"
            )
        return cls(
            task_name=data["task_name"],
            modality=data["modality"],
            task_type=data["task_type"],
            input_schema=dict(data.get("input_schema") or {}),
            output_schema=dict(data.get("output_schema") or {}),
        )

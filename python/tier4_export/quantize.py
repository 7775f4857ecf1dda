"""Quantization of a model copy before export.

* ``"dynamic"``: ``quantize_dynamic`` of a deep copy, ``{nn.Linear}`` to
  ``qint8``. The caller's model is never touched.
* ``"static"``: refused with a ValueError (see :data:`STATIC_REFUSAL`).
"""

from __future__ import annotations

import copy
from typing import Any, Dict, Optional

import torch
from torch import nn
from torch.ao.quantization import quantize_dynamic

QUANTIZATION_METHODS = ("dynamic", "static")
"""Values ``export_model(quantization=...)`` understands besides None."""

STATIC_REFUSAL = (
    "quantization='static' is refused: post-training static quantization cannot be applied "
    "to an arbitrary model without changing its code. Eager-mode static quantization needs "
    "QuantStub/DeQuantStub placed around every quantized region, Conv/ReLU fusion and a "
    "per-module qconfig; on a language model the nn.Embedding layers need a float_qparams "
    "weight-only qconfig, and the attention's matmul/softmax/masked_fill, LayerNorm and GELU "
    "have no static int8 kernels, so they must stay float with explicit dequantize/quantize "
    "around them. Doing that surgery automatically would export a model that is not the one "
    "you wrote. Use quantization='dynamic' (nn.Linear weights to qint8, activations quantized "
    "at run time), or quantize the model yourself and pass it with quantization=None."
)


def check_quantization(quantization: Optional[str]) -> None:
    """Validate the ``quantization`` argument before anything is written.

    Raises:
        ValueError: for ``"static"`` (with the reason) or any unknown value.
    """
    if quantization is None or quantization == "dynamic":
        return
    if quantization == "static":
        raise ValueError(STATIC_REFUSAL)
    raise ValueError(
        f"quantization: expected None, 'dynamic' or 'static', received {quantization!r}"
    )


def quantize_dynamic_copy(model: nn.Module) -> nn.Module:
    """Return a dynamically quantized (qint8 ``nn.Linear``) deep copy of ``model`` in eval mode."""
    work = copy.deepcopy(model).eval()
    quantized: nn.Module = quantize_dynamic(work, {nn.Linear}, dtype=torch.qint8)
    return quantized.eval()


def quantization_info(
    fp32_size_bytes: Optional[int], quantized_size_bytes: Optional[int]
) -> Dict[str, Any]:
    """The ``quantization_info`` record of metadata.json for dynamic quantization.

    Sizes are those of the TorchScript files of the fp32 and the quantized
    model; they are None (and so is the ratio) when tracing failed.
    """
    ratio: Optional[float] = None
    if fp32_size_bytes and quantized_size_bytes is not None:
        ratio = quantized_size_bytes / fp32_size_bytes
    return {
        "method": "dynamic",
        "dtype": "qint8",
        "modules": ["Linear"],
        "fp32_size_bytes": fp32_size_bytes,
        "quantized_size_bytes": quantized_size_bytes,
        "size_ratio": ratio,
    }


def has_quantized_modules(model: nn.Module) -> bool:
    """True when any submodule comes from a ``torch.*quantized*`` module namespace."""
    return any("quantized" in type(m).__module__ for m in model.modules())

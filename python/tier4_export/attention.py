"""Keep torch's fused attention fast path out of traced and exported graphs.

In eval mode, torch (1.12 and later) runs ``nn.MultiheadAttention``, ``nn.TransformerEncoderLayer``
and ``nn.TransformerEncoder`` through fused kernels (``aten::_native_multi_head_attention``,
``aten::_transformer_encoder_layer_fwd``, nested tensors for a padding mask). The ONNX exporter
of torch 1.13 has no symbolic for them at any opset, and ``torch.jit.trace``'s sanity check
fails because its re-trace (under ``no_grad``) takes the other path. The fast path is only an
implementation of the same computation; torch skips it whenever one of its documented
preconditions fails. :func:`use_composite_attention` makes two of them fail, on the exporter's
own deep copy of the model, without changing what the model computes in eval mode:

* ``nn.MultiheadAttention.dropout`` is set to a nonzero value: the fast path requires 0, and
  in eval mode ``F.multi_head_attention_forward`` ignores it (``if not training: dropout_p = 0``).
* ``nn.TransformerEncoderLayer.activation_relu_or_gelu`` is set to 0: it only gates the fast
  paths (of the layer and of ``nn.TransformerEncoder``'s nested-tensor path); the composite
  path calls ``self.activation`` as before.

One visible difference: with a ``src_key_padding_mask``, the nested-tensor fast path of
``nn.TransformerEncoder`` returns 0 at padded positions, while the composite path (and so the
exported graph, and the reference samples the exporter computes with the same copy) returns
ordinary values there. Compare or pool only real positions downstream.
"""

from __future__ import annotations

from typing import List

from torch import nn

INERT_EVAL_DROPOUT = 0.1
"""Attention dropout set on a copy whose dropout is 0: nonzero disables the fast path, eval mode ignores it."""


def use_composite_attention(model: nn.Module) -> List[str]:
    """Make every attention module of ``model`` (a copy the caller owns) skip the fused fast path.

    Args:
        model: a model in eval mode; it is modified in place (attributes only, no weights).

    Returns:
        One line per module changed (``"encoder.layers.0.self_attn: MultiheadAttention dropout 0
        -> 0.1 (inert in eval)"``), empty when the model has no such module.

    Raises:
        ValueError: when a module to change is in training mode (dropout would then be active).
    """
    changes: List[str] = []
    for name, module in model.named_modules():
        where = name or "(model)"
        if isinstance(module, nn.MultiheadAttention) and not module.dropout:
            if module.training:
                raise ValueError(
                    f"use_composite_attention: {where} is in training mode; expected eval mode "
                    "(a nonzero attention dropout would be active)"
                )
            module.dropout = INERT_EVAL_DROPOUT
            changes.append(
                f"{where}: MultiheadAttention dropout 0 -> {INERT_EVAL_DROPOUT} (inert in eval mode; "
                "skips aten::_native_multi_head_attention)"
            )
        elif isinstance(module, nn.TransformerEncoderLayer) and bool(getattr(module, "activation_relu_or_gelu", False)):
            module.activation_relu_or_gelu = 0
            changes.append(
                f"{where}: TransformerEncoderLayer fast path off (activation_relu_or_gelu -> 0; "
                "skips aten::_transformer_encoder_layer_fwd and nested tensors)"
            )
    return changes

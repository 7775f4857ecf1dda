"""A small BERT-like sentiment classifier: token + position embeddings, a 2-layer
``nn.TransformerEncoder`` that honours the padding mask, masked mean pooling and a linear head.

``forward(input_ids, attention_mask=None)`` takes the mask by keyword, as Hugging Face models
do; padded positions (``attention_mask == 0``) are ignored by attention and by the pooling,
so a row's logits do not depend on how much padding follows it. Weights are random but
seeded (``make_model(seed=0)``): the example is about the export, not about accuracy.
"""

from __future__ import annotations

from typing import Optional, Tuple

import torch
from torch import nn

from tier4_export import TaskSpec

VOCAB_SIZE = 500
MAX_SEQ_LEN = 24
D_MODEL = 32
N_HEADS = 4
N_LAYERS = 2
NUM_LABELS = 3
PAD_TOKEN_ID = 0


class TinyBert(nn.Module):
    """Encoder-only text classifier, ``[B, T]`` token ids (+ mask) -> ``[B, NUM_LABELS]`` logits."""

    def __init__(self) -> None:
        """Create the embeddings, the encoder and the head."""
        super().__init__()
        self.tokens = nn.Embedding(VOCAB_SIZE, D_MODEL, padding_idx=PAD_TOKEN_ID)
        self.positions = nn.Embedding(MAX_SEQ_LEN, D_MODEL)
        layer = nn.TransformerEncoderLayer(D_MODEL, N_HEADS, dim_feedforward=2 * D_MODEL, batch_first=True)
        # enable_nested_tensor=False: in eval mode torch's nested-tensor fast path returns hidden
        # states only as long as the longest real row, so a batch whose rows are all padded would
        # no longer line up with its mask (the honest masks of the reference samples catch this)
        self.encoder = nn.TransformerEncoder(layer, N_LAYERS, enable_nested_tensor=False)
        self.head = nn.Linear(D_MODEL, NUM_LABELS)

    def forward(self, input_ids: torch.Tensor, attention_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Classify each row; ``attention_mask`` (1 real, 0 padding) defaults to all ones."""
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        positions = torch.arange(input_ids.size(1), device=input_ids.device).unsqueeze(0)
        hidden = self.tokens(input_ids) + self.positions(positions)
        hidden = self.encoder(hidden, src_key_padding_mask=attention_mask == 0)
        weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)
        logits: torch.Tensor = self.head(pooled)
        return logits


def make_model(seed: int = 0) -> Tuple[nn.Module, TaskSpec]:
    """The seeded classifier and its TaskSpec (inputs ``input_ids`` and ``attention_mask``)."""
    torch.manual_seed(seed)
    spec = TaskSpec(
        task_name="text_classifier",
        modality="text",
        task_type="text-classification",
        input_schema={
            "vocab_size": VOCAB_SIZE,
            "max_seq_len": MAX_SEQ_LEN,
            "input_names": ["input_ids", "attention_mask"],
            "pad_token_id": PAD_TOKEN_ID,
        },
        output_schema={"output_names": ["logits"], "labels": ["negative", "neutral", "positive"]},
    )
    return TinyBert().eval(), spec

"""lm_stub: a one-block causal language model written by hand.

Token and position embeddings, ONE causal self-attention block (Linear
q/k/v/o, LayerNorm, MLP, causal mask), a final LayerNorm and an LM head.
``nn.TransformerEncoderLayer`` is deliberately avoided: in torch 1.13 its eval
fast path breaks ``torch.jit.trace`` and ``quantize_dynamic`` (field notes).

Input ``input_ids`` int64 ``[B, T]`` (T <= max_seq_len), output ``logits``
float32 ``[B, T, vocab_size]``.
"""

from __future__ import annotations

import math
from typing import Tuple

import torch
from torch import nn

from ..task_spec import TaskSpec

DEFAULT_VOCAB_SIZE = 1000
DEFAULT_D_MODEL = 64
DEFAULT_N_HEADS = 4
DEFAULT_MAX_SEQ_LEN = 16


class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention with explicit q/k/v/o projections."""

    causal_mask: torch.Tensor

    def __init__(self, d_model: int, n_heads: int, max_seq_len: int) -> None:
        """Create the projections and the (max_seq_len x max_seq_len) causal mask buffer."""
        super().__init__()
        if d_model % n_heads != 0:
            raise ValueError(
                f"CausalSelfAttention: d_model ({d_model}) must be divisible by n_heads ({n_heads})"
            )
        self.n_heads = n_heads
        self.head_dim = d_model // n_heads
        self.q = nn.Linear(d_model, d_model)
        self.k = nn.Linear(d_model, d_model)
        self.v = nn.Linear(d_model, d_model)
        self.o = nn.Linear(d_model, d_model)
        mask = torch.tril(torch.ones(max_seq_len, max_seq_len, dtype=torch.bool))
        self.register_buffer("causal_mask", mask, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Attend over ``x`` [B, T, C] with a causal mask; return [B, T, C]."""
        b, t, c = x.shape
        q = self.q(x).view(b, t, self.n_heads, self.head_dim).transpose(1, 2)
        k = self.k(x).view(b, t, self.n_heads, self.head_dim).transpose(1, 2)
        v = self.v(x).view(b, t, self.n_heads, self.head_dim).transpose(1, 2)
        scores = torch.matmul(q, k.transpose(-2, -1)) * (1.0 / math.sqrt(self.head_dim))
        mask = self.causal_mask[:t, :t]
        scores = scores.masked_fill(~mask, float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        y = torch.matmul(weights, v).transpose(1, 2).reshape(b, t, c)
        out: torch.Tensor = self.o(y)
        return out


class Block(nn.Module):
    """Pre-LayerNorm transformer block: x + attn(ln1(x)), then x + mlp(ln2(x))."""

    def __init__(self, d_model: int, n_heads: int, max_seq_len: int) -> None:
        """Create the attention, the two LayerNorms and the 4x MLP."""
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = CausalSelfAttention(d_model, n_heads, max_seq_len)
        self.ln2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(
            nn.Linear(d_model, 4 * d_model), nn.GELU(), nn.Linear(4 * d_model, d_model)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the block to ``x`` [B, T, C]."""
        x = x + self.attn(self.ln1(x))
        out: torch.Tensor = x + self.mlp(self.ln2(x))
        return out


class LMStub(nn.Module):
    """Embeddings, one causal block, final LayerNorm and LM head."""

    def __init__(
        self,
        vocab_size: int = DEFAULT_VOCAB_SIZE,
        d_model: int = DEFAULT_D_MODEL,
        n_heads: int = DEFAULT_N_HEADS,
        max_seq_len: int = DEFAULT_MAX_SEQ_LEN,
    ) -> None:
        """Create the layers (weights come from the current torch RNG)."""
        super().__init__()
        self.tok_emb = nn.Embedding(vocab_size, d_model)
        self.pos_emb = nn.Embedding(max_seq_len, d_model)
        self.block = Block(d_model, n_heads, max_seq_len)
        self.ln_f = nn.LayerNorm(d_model)
        self.lm_head = nn.Linear(d_model, vocab_size)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        """Map ``input_ids`` int64 [B, T] to ``logits`` float32 [B, T, V]."""
        # Positions from a cumulative sum keep the sequence axis dynamic in traces and ONNX.
        positions = torch.cumsum(torch.ones_like(input_ids), dim=1) - 1
        x = self.tok_emb(input_ids) + self.pos_emb(positions)
        x = self.block(x)
        logits: torch.Tensor = self.lm_head(self.ln_f(x))
        return logits


def lm_stub_task_spec(
    vocab_size: int = DEFAULT_VOCAB_SIZE, max_seq_len: int = DEFAULT_MAX_SEQ_LEN
) -> TaskSpec:
    """TaskSpec of the LM stub: text, ``input_ids`` -> ``logits``."""
    return TaskSpec(
        task_name="lm_stub",
        modality="text",
        task_type="text-generation",
        input_schema={"vocab_size": vocab_size, "max_seq_len": max_seq_len},
        output_schema={"output_names": ["logits"], "vocab_size": vocab_size},
    )


def build_lm_stub(seed: int = 0) -> Tuple[LMStub, TaskSpec]:
    """Build the LM stub with weights determined by ``seed`` (global RNG left untouched).

    Returns:
        ``(model in eval mode, task_spec)``.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = LMStub()
    model.eval()
    return model, lm_stub_task_spec()

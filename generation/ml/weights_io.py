"""Reading and writing the engine's weights: safetensors tensors plus a JSON config (no pickle)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from .codec import PcaCodec
from .lightsb import LightSBParams

DEFAULT_WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
CONFIG_NAME = "engine.json"
CODEC_NAME = "codec.safetensors"
LIGHTSB_NAME = "lightsb.safetensors"


def save_weights(
    out_dir: Path,
    *,
    codec: PcaCodec,
    transports: dict[str, LightSBParams],
    template: np.ndarray,
    config: dict,
) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    save_file(
        {
            "luma_mean": codec.luma_mean.float().contiguous(),
            "luma_basis": codec.luma_basis.half().contiguous(),
            "chroma_mean": codec.chroma_mean.float().contiguous(),
            "chroma_basis": codec.chroma_basis.half().contiguous(),
            "latent_std": codec.latent_std.float().contiguous(),
            "template": torch.from_numpy(np.asarray(template, dtype=np.float32)),
        },
        str(out_dir / CODEC_NAME),
    )
    tensors = {}
    for direction, params in transports.items():
        tensors[f"{direction}.log_alpha"] = params.log_alpha.float().contiguous()
        tensors[f"{direction}.means"] = params.means.float().contiguous()
        tensors[f"{direction}.log_variances"] = params.log_variances.float().contiguous()
    save_file(tensors, str(out_dir / LIGHTSB_NAME))
    full_config = dict(config)
    full_config["epsilons"] = {name: params.epsilon for name, params in transports.items()}
    (out_dir / CONFIG_NAME).write_text(json.dumps(full_config, indent=2, sort_keys=True) + "\n")


def load_weights(weights_dir: Path) -> tuple[dict, PcaCodec, dict[str, LightSBParams], np.ndarray]:
    config = json.loads((weights_dir / CONFIG_NAME).read_text())
    tensors = load_file(str(weights_dir / CODEC_NAME))
    codec = PcaCodec(
        resolution=int(config["resolution"]),
        luma_mean=tensors["luma_mean"].float(),
        luma_basis=tensors["luma_basis"].float(),
        chroma_mean=tensors["chroma_mean"].float(),
        chroma_basis=tensors["chroma_basis"].float(),
        latent_std=tensors["latent_std"].float(),
    )
    template = tensors["template"].double().numpy()
    transport_tensors = load_file(str(weights_dir / LIGHTSB_NAME))
    transports = {
        direction: LightSBParams(
            transport_tensors[f"{direction}.log_alpha"],
            transport_tensors[f"{direction}.means"],
            transport_tensors[f"{direction}.log_variances"],
            float(epsilon),
        )
        for direction, epsilon in config["epsilons"].items()
    }
    return config, codec, transports, template

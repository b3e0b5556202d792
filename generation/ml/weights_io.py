"""Reading and writing the engine's weights: safetensors tensors plus a JSON config (no pickle)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from . import shape as shapes
from .appearance import ShapeTextureSpace
from .classify import LogisticRegression
from .codec import PcaCodec
from .lightsb import LightSBParams

DEFAULT_WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
CONFIG_NAME = "engine.json"
SPACE_NAME = "space.safetensors"
LIGHTSB_NAME = "lightsb.safetensors"
ESTIMATES = ("child", "female")


@dataclass
class Weights:
    config: dict
    space: ShapeTextureSpace
    transports: dict[str, LightSBParams]
    classifiers: dict[str, LogisticRegression]
    # Per direction, the mean transport vector of the training source and target groups: the
    # evaluation and tests measure how far an edit moves a face along that gap.
    group_means: dict[str, tuple[torch.Tensor, torch.Tensor]]


def save_weights(
    out_dir: Path,
    *,
    space: ShapeTextureSpace,
    transports: dict[str, LightSBParams],
    classifiers: dict[str, LogisticRegression],
    group_means: dict[str, tuple[torch.Tensor, torch.Tensor]],
    config: dict,
) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    codec = space.texture_codec
    tensors = {
        "shape.mean": torch.from_numpy(space.shape_model.mean).float(),
        "shape.basis": torch.from_numpy(space.shape_model.basis).float(),
        "shape.scale": torch.from_numpy(space.shape_model.scale).float(),
        "mesh.triangles": torch.from_numpy(np.asarray(space.triangles, dtype=np.int64)),
        "texture.mask": space.texture_mask.float(),
        "texture.mean_face": space.texture_mean.float(),
        "texture.luma_mean": codec.luma_mean.float(),
        "texture.luma_basis": codec.luma_basis.half(),
        "texture.chroma_mean": codec.chroma_mean.float(),
        "texture.chroma_basis": codec.chroma_basis.half(),
        "texture.latent_std": codec.latent_std.float(),
    }
    for name, classifier in classifiers.items():
        tensors.update(classifier.tensors(f"estimate.{name}"))
    save_file(
        {key: value.contiguous() for key, value in tensors.items()}, str(out_dir / SPACE_NAME)
    )
    transport_tensors = {}
    for direction, params in transports.items():
        transport_tensors[f"{direction}.log_alpha"] = params.log_alpha.float().contiguous()
        transport_tensors[f"{direction}.means"] = params.means.float().contiguous()
        transport_tensors[f"{direction}.log_variances"] = params.log_variances.float().contiguous()
        source_mean, target_mean = group_means[direction]
        transport_tensors[f"{direction}.source_mean"] = source_mean.float().contiguous()
        transport_tensors[f"{direction}.target_mean"] = target_mean.float().contiguous()
    save_file(transport_tensors, str(out_dir / LIGHTSB_NAME))
    full_config = dict(config)
    full_config["epsilons"] = {name: params.epsilon for name, params in transports.items()}
    full_config["transport_luma"] = space.transport_luma
    full_config["transport_chroma"] = space.transport_chroma
    (out_dir / CONFIG_NAME).write_text(json.dumps(full_config, indent=2, sort_keys=True) + "\n")


def load_weights(weights_dir: Path) -> Weights:
    config = json.loads((weights_dir / CONFIG_NAME).read_text())
    tensors = load_file(str(weights_dir / SPACE_NAME))
    space = ShapeTextureSpace(
        shape_model=shapes.ShapeModel(
            mean=tensors["shape.mean"].double().numpy(),
            basis=tensors["shape.basis"].double().numpy(),
            scale=tensors["shape.scale"].double().numpy(),
        ),
        texture_codec=PcaCodec(
            resolution=tensors["texture.mask"].shape[0],
            luma_mean=tensors["texture.luma_mean"].float(),
            luma_basis=tensors["texture.luma_basis"].float(),
            chroma_mean=tensors["texture.chroma_mean"].float(),
            chroma_basis=tensors["texture.chroma_basis"].float(),
            latent_std=tensors["texture.latent_std"].float(),
        ),
        triangles=tensors["mesh.triangles"].numpy(),
        texture_mask=tensors["texture.mask"].float(),
        texture_mean=tensors["texture.mean_face"].float(),
        transport_luma=int(config["transport_luma"]),
        transport_chroma=int(config["transport_chroma"]),
    )
    classifiers = {
        name: LogisticRegression.from_tensors(tensors, f"estimate.{name}") for name in ESTIMATES
    }
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
    group_means = {
        direction: (
            transport_tensors[f"{direction}.source_mean"],
            transport_tensors[f"{direction}.target_mean"],
        )
        for direction in transports
    }
    return Weights(config, space, transports, classifiers, group_means)

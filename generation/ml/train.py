"""Training: template, codec and the four LightSB directions, deterministic for a fixed seed.

``python -m generation.ml train --data DIR --out DIR`` runs :func:`train`.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch

from . import data, detect, lightsb
from .codec import PcaCodec, fit_pca, split_channels
from .weights_io import save_weights

DEFAULT_SETTINGS = {
    "resolution": 128,
    "luma_components": 768,
    "chroma_components": 128,
    "pca_samples": 12000,
    "transport_luma": 128,
    "transport_chroma": 32,
    "epsilon": 0.05,
    "potentials": 10,
    "lightsb_steps": 3000,
    "template_samples": 1000,
    "child_target_max_age": 5,
    # Displacement scale per direction, chosen on held-out faces (MODEL_CARD.md, "Calibration").
    "transport_gain": {
        "adult_to_child": 1.5,
        "child_to_adult": 2.0,
        "male_to_female": 2.0,
        "female_to_male": 1.5,
    },
    "seed": 0,
}
VERSION = "1.0.0"


def direction_groups(
    records: Sequence[data.FaceRecord], *, child_target_max_age: int | None = None
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Row indices (source, target) per direction.

    Male<->female uses adults only: a child's gender is not what that edit is about, and it blurs
    the two clouds. ``child_target_max_age`` narrows the adult->child target to clearly young
    faces: teenagers count as children (< 18) but look adult, and pull the transport toward them.
    """
    ages = np.array([record.age for record in records])
    child = np.array([record.child for record in records])
    female = np.array([record.female for record in records])
    adult = ~child
    young = child if child_target_max_age is None else ages <= child_target_max_age
    return {
        "adult_to_child": (np.flatnonzero(adult), np.flatnonzero(young)),
        "child_to_adult": (np.flatnonzero(child), np.flatnonzero(adult)),
        "male_to_female": (np.flatnonzero(adult & ~female), np.flatnonzero(adult & female)),
        "female_to_male": (np.flatnonzero(adult & female), np.flatnonzero(adult & ~female)),
    }


def derive_template(
    records: Sequence[data.FaceRecord], resolution: int, samples: int, seed: int
) -> tuple[np.ndarray, int]:
    """Mean 68-point landmarks over training chips, in the codec's crop frame."""
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(records), size=min(samples, len(records)), replace=False)
    collected = []
    for row in sorted(chosen):
        chip = data.load_chip(records[row].path)
        boxes = detect.detect_boxes(chip, max_side=data.CHIP_SIZE)
        if len(boxes) != 1:
            continue
        collected.append(detect.landmarks_for_box(chip, boxes[0]) + 0.5)
    if not collected:
        raise RuntimeError("no landmarks found on the training chips")
    scale = resolution / data.CHIP_SIZE
    return np.mean(collected, axis=0) * scale, len(collected)


def load_crops(records: Sequence[data.FaceRecord], resolution: int) -> np.ndarray:
    return np.stack([data.load_crop(record.path, resolution) for record in records])


def _as_float(crops: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(crops).float() / 127.5 - 1


def fit_codec(
    crops: np.ndarray, *, luma_components: int, chroma_components: int, samples: int, seed: int
) -> PcaCodec:
    resolution = crops.shape[1]
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(len(crops), size=min(samples, len(crops)), replace=False))
    luma, chroma = split_channels(_as_float(crops[chosen]))
    luma_components = min(luma_components, len(chosen) - 16, luma.shape[1])
    chroma_components = min(chroma_components, len(chosen) - 16, chroma.shape[1])
    luma_mean, luma_basis = fit_pca(luma, luma_components, seed=seed)
    del luma
    chroma_mean, chroma_basis = fit_pca(chroma, chroma_components, seed=seed)
    # Ship and use the fp16-rounded basis so the trained latents match what inference computes.
    codec = PcaCodec(
        resolution,
        luma_mean,
        luma_basis.half().float(),
        chroma_mean,
        chroma_basis.half().float(),
        torch.ones(luma_components + chroma_components),
    )
    latents = encode_all(codec, crops)
    codec.latent_std = latents.std(0).clamp(min=1e-6)
    return codec


def encode_all(codec: PcaCodec, crops: np.ndarray, batch: int = 1024) -> torch.Tensor:
    return torch.cat(
        [
            codec.encode(_as_float(crops[start : start + batch]))
            for start in range(0, len(crops), batch)
        ]
    )


def reconstruction_l1(codec: PcaCodec, crops: np.ndarray, *, luma=None, chroma=None) -> dict:
    """Mean L1 (pixels in [-1, 1]) at the codec's resolution and downsampled to 64 px."""
    truncated = PcaCodec(
        codec.resolution,
        codec.luma_mean,
        codec.luma_basis[:, : luma or codec.luma_basis.shape[1]],
        codec.chroma_mean,
        codec.chroma_basis[:, : chroma or codec.chroma_basis.shape[1]],
        torch.cat(
            [
                codec.latent_std[: luma or codec.luma_basis.shape[1]],
                codec.latent_std[codec.luma_basis.shape[1] :][
                    : chroma or codec.chroma_basis.shape[1]
                ],
            ]
        ),
    )
    images = _as_float(crops)
    rebuilt = truncated.decode(truncated.encode(images))
    l1 = float((rebuilt - images).abs().mean())
    factor = max(1, codec.resolution // 64)
    pool = torch.nn.functional.avg_pool2d
    small = float(
        (pool(rebuilt.permute(0, 3, 1, 2), factor) - pool(images.permute(0, 3, 1, 2), factor))
        .abs()
        .mean()
    )
    return {"l1": round(l1, 4), "l1_at_64px": round(small, 4)}


def train(
    data_dir: Path,
    out_dir: Path,
    *,
    settings: dict | None = None,
    log: Callable[[str], None] = print,
) -> dict:
    """Train everything and write the weights plus ``training_report.json`` to ``out_dir``."""
    options = {**DEFAULT_SETTINGS, **(settings or {})}
    seed = int(options["seed"])
    resolution = int(options["resolution"])
    torch.set_num_threads(max(1, int(os.environ.get("LIGHTSB_TRAIN_THREADS", "2"))))
    started = time.perf_counter()
    timings = {}

    training, held_out = data.list_faces(Path(data_dir))
    if len(training) < 32:
        raise RuntimeError(f"too few training faces in {data_dir} ({len(training)})")
    log(f"faces: {len(training)} training, {len(held_out)} held out")

    stage = time.perf_counter()
    template, template_faces = derive_template(
        training, resolution, int(options["template_samples"]), seed
    )
    timings["template"] = time.perf_counter() - stage
    log(f"template from {template_faces} chips in {timings['template']:.1f} s")

    stage = time.perf_counter()
    crops = load_crops(training, resolution)
    timings["load"] = time.perf_counter() - stage
    log(f"loaded {len(crops)} crops in {timings['load']:.1f} s")

    stage = time.perf_counter()
    codec = fit_codec(
        crops,
        luma_components=int(options["luma_components"]),
        chroma_components=int(options["chroma_components"]),
        samples=int(options["pca_samples"]),
        seed=seed,
    )
    latents = encode_all(codec, crops)
    timings["codec"] = time.perf_counter() - stage
    log(f"codec fitted in {timings['codec']:.1f} s (latent {codec.latent_dim})")

    codec_report = {}
    if held_out:
        held_crops = load_crops(held_out[:500], resolution)
        for luma in (128, 256, 384, 512, 768):
            if luma <= codec.luma_basis.shape[1]:
                codec_report[f"luma{luma}_chroma{codec.chroma_basis.shape[1]}"] = reconstruction_l1(
                    codec, held_crops, luma=luma
                )
        log(f"held-out reconstruction: {codec_report}")

    transport_luma = min(int(options["transport_luma"]), codec.luma_basis.shape[1])
    transport_chroma = min(int(options["transport_chroma"]), codec.chroma_basis.shape[1])
    split = codec.luma_basis.shape[1]
    transport_latents = torch.cat(
        [latents[:, :transport_luma], latents[:, split : split + transport_chroma]], dim=1
    )
    transports = {}
    transport_report = {}
    stage = time.perf_counter()
    groups = direction_groups(training, child_target_max_age=options["child_target_max_age"])
    for direction, (source_rows, target_rows) in groups.items():
        if len(source_rows) < 2 or len(target_rows) < 2:
            raise RuntimeError(f"too few faces for {direction}")
        direction_started = time.perf_counter()
        params, history = lightsb.fit(
            transport_latents[torch.from_numpy(source_rows)],
            transport_latents[torch.from_numpy(target_rows)],
            epsilon=float(options["epsilon"]),
            potentials=int(options["potentials"]),
            steps=int(options["lightsb_steps"]),
            seed=seed,
        )
        transports[direction] = params
        transport_report[direction] = {
            "sources": len(source_rows),
            "targets": len(target_rows),
            "seconds": round(time.perf_counter() - direction_started, 2),
            "final_loss": round(float(np.mean(history[-100:])), 3),
        }
        log(f"{direction}: {transport_report[direction]}")
    timings["lightsb"] = time.perf_counter() - stage

    config = {
        "name": "lightsb-utkface",
        "version": VERSION,
        "codec": f"pca-luma{codec.luma_basis.shape[1]}-chroma{codec.chroma_basis.shape[1]}",
        "resolution": resolution,
        "transport_luma": transport_luma,
        "transport_chroma": transport_chroma,
        "transport_gain": options["transport_gain"],
        "settings": options,
    }
    save_weights(out_dir, codec=codec, transports=transports, template=template, config=config)
    timings["total"] = time.perf_counter() - started
    report = {
        "training_faces": len(training),
        "held_out_faces": len(held_out),
        "template_faces": template_faces,
        "codec_held_out": codec_report,
        "lightsb": transport_report,
        "seconds": {name: round(value, 1) for name, value in timings.items()},
        "torch_threads": torch.get_num_threads(),
    }
    (Path(out_dir) / "training_report.json").write_text(json.dumps(report, indent=2) + "\n")
    log(f"weights written to {out_dir} in {timings['total']:.0f} s")
    return report

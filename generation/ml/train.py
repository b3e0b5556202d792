"""Training: shape model, shape-free texture codec, four LightSB directions and the input
estimate, deterministic for a fixed seed and thread count.

``python -m generation.ml train --data DIR --out DIR`` runs :func:`train`.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from . import appearance, data, detect, lightsb
from . import shape as shapes
from .classify import LogisticRegression
from .codec import PcaCodec, fit_pca, split_channels
from .weights_io import save_weights

VERSION = "2.0.0"
# UTKFace chips are aligned by their authors, so one box (measured with dlib's HOG detector on
# 300 chips: mean left/top 5/4, right/bottom 177/176) gives the landmark predictor what it needs,
# 30x faster than detecting each chip.
CHIP_FACE_BOX = (5, 4, 177, 176)


@dataclass(frozen=True)
class TrainingSettings:
    shape_components: int = 30
    luma_components: int = 256
    chroma_components: int = 64
    texture_samples: int = 8000
    transport_luma: int = 128
    transport_chroma: int = 32
    max_faces: int = 12000  # every child, then adults up to this many faces
    epsilon: float = 0.05
    potentials: int = 10
    lightsb_steps: int = 3000
    child_target_ages: tuple[int, int] = (2, 10)
    adult_target_ages: tuple[int, int] = (20, 55)
    seed: int = 0
    # Rendering calibration, chosen by looking at unseen faces and real photos (MODEL_CARD.md).
    shape_gain: dict[str, float] = field(
        default_factory=lambda: {
            "adult_to_child": 1.9,
            "child_to_adult": 2.6,
            "male_to_female": 2.0,
            "female_to_male": 1.8,
        }
    )
    texture_gain: dict[str, float] = field(
        default_factory=lambda: {
            "adult_to_child": 2.0,
            "child_to_adult": 2.2,
            "male_to_female": 1.8,
            "female_to_male": 1.5,
        }
    )

    @classmethod
    def from_overrides(cls, overrides: dict | None) -> TrainingSettings:
        """Defaults with JSON overrides; unknown names are refused, not ignored."""
        settings = cls()
        if not overrides:
            return settings
        unknown = set(overrides) - set(asdict(settings))
        if unknown:
            raise ValueError(f"unknown training settings: {', '.join(sorted(unknown))}")
        values = dict(overrides)
        for name in ("child_target_ages", "adult_target_ages"):
            if name in values:
                values[name] = tuple(values[name])
        return replace(settings, **values)


def direction_groups(
    records: Sequence[data.FaceRecord], settings: TrainingSettings | None = None
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Row indices (source, target) per direction.

    Male<->female uses adults only. The child target is young children (2-10 by default):
    teenagers count as children (< 18) but look adult, and would pull the transport toward
    them; the adult target leaves out the elderly for the same reason.
    """
    settings = settings or TrainingSettings()
    ages = np.array([record.age for record in records])
    child = np.array([record.child for record in records])
    female = np.array([record.female for record in records])
    adult = ~child
    young = (ages >= settings.child_target_ages[0]) & (ages <= settings.child_target_ages[1])
    grown = (ages >= settings.adult_target_ages[0]) & (ages <= settings.adult_target_ages[1])
    if young.sum() < 2:
        young = child
    if grown.sum() < 2:
        grown = adult
    return {
        "adult_to_child": (np.flatnonzero(adult), np.flatnonzero(young)),
        "child_to_adult": (np.flatnonzero(child), np.flatnonzero(grown)),
        "male_to_female": (np.flatnonzero(adult & ~female), np.flatnonzero(adult & female)),
        "female_to_male": (np.flatnonzero(adult & female), np.flatnonzero(adult & ~female)),
    }


def choose_faces(
    records: Sequence[data.FaceRecord], max_faces: int, seed: int
) -> list[data.FaceRecord]:
    """Children (the rarer group) up to half the faces, then a fixed random choice of adults."""
    rng = np.random.default_rng(seed)
    children = [record for record in records if record.child]
    if len(children) > max_faces // 2:
        rows = sorted(rng.choice(len(children), max_faces // 2, replace=False))
        children = [children[row] for row in rows]
    adults = [record for record in records if not record.child]
    room = max(0, max_faces - len(children))
    if len(adults) > room:
        adults = [adults[row] for row in sorted(rng.choice(len(adults), room, replace=False))]
    return sorted(children + adults, key=lambda record: record.path.name)


def chip_landmarks(chip: np.ndarray) -> np.ndarray:
    return detect.landmarks_for_box(chip, CHIP_FACE_BOX) + 0.5


def _drop_outliers(
    records: list, chips: list, dense: np.ndarray, log: Callable[[str], None]
) -> tuple[list, list, np.ndarray, np.ndarray]:
    """Procrustes-align and drop the shapes that fit the mean badly (failed landmarks)."""
    mean = shapes.procrustes_mean(dense)
    aligned = np.stack([shapes.apply(shapes.similarity(face, mean), face) for face in dense])
    residual = np.sqrt(((aligned - mean) ** 2).sum(-1).mean(-1))
    keep = residual <= 3 * np.median(residual)
    log(f"landmarks: kept {int(keep.sum())} of {len(keep)} faces (dropped poor fits)")
    rows = np.flatnonzero(keep)
    return (
        [records[row] for row in rows],
        [chips[row] for row in rows],
        dense[rows],
        shapes.procrustes_mean(dense[rows]),
    )


def fit_texture_codec(
    textures: torch.Tensor, mask: torch.Tensor, settings: TrainingSettings
) -> tuple[PcaCodec, torch.Tensor]:
    """Luma/chroma PCA of the masked shape-free faces; returns the codec and the mean face."""
    mean_face = textures.mean(0)
    weight = mask[None, ..., None]
    filled = (textures * weight + mean_face[None] * (1 - weight)) * 2 - 1
    rng = np.random.default_rng(settings.seed)
    chosen = np.sort(
        rng.choice(len(filled), size=min(settings.texture_samples, len(filled)), replace=False)
    )
    luma, chroma = split_channels(filled[torch.from_numpy(chosen)])
    luma_components = min(settings.luma_components, len(chosen) - 16, luma.shape[1])
    chroma_components = min(settings.chroma_components, len(chosen) - 16, chroma.shape[1])
    luma_mean, luma_basis = fit_pca(luma, luma_components, seed=settings.seed)
    chroma_mean, chroma_basis = fit_pca(chroma, chroma_components, seed=settings.seed)
    codec = PcaCodec(
        appearance.FRAME_SIZE,
        luma_mean,
        luma_basis.half().float(),  # shipped in fp16; train on what inference computes
        chroma_mean,
        chroma_basis.half().float(),
        torch.ones(luma_components + chroma_components),
    )
    latents = torch.cat([codec.encode(filled[i : i + 1024]) for i in range(0, len(filled), 1024)])
    codec.latent_std = latents.std(0).clamp(min=1e-6)
    return codec, mean_face


def train(
    data_dir: Path,
    out_dir: Path,
    *,
    settings: dict | TrainingSettings | None = None,
    log: Callable[[str], None] = print,
) -> dict:
    """Train everything and write the weights plus ``training_report.json`` to ``out_dir``."""
    options = (
        settings
        if isinstance(settings, TrainingSettings)
        else TrainingSettings.from_overrides(settings)
    )
    torch.set_num_threads(max(1, int(os.environ.get("LIGHTSB_TRAIN_THREADS", "2"))))
    started = time.perf_counter()
    timings: dict[str, float] = {}

    training, held_out = data.list_faces(Path(data_dir))
    if len(training) < 32:
        raise RuntimeError(f"too few training faces in {data_dir} ({len(training)})")
    chosen = choose_faces(training, options.max_faces, options.seed)
    log(f"faces: {len(training)} training ({len(chosen)} used), {len(held_out)} held out")

    stage = time.perf_counter()
    chips = [data.load_chip(record.path) for record in chosen]
    dense = np.stack([shapes.dense_landmarks(chip_landmarks(chip)) for chip in chips])
    records, chips, dense, mean_shape = _drop_outliers(chosen, chips, dense, log)
    timings["landmarks"] = time.perf_counter() - stage
    log(f"landmarks in {timings['landmarks']:.1f} s")

    stage = time.perf_counter()
    aligned = np.stack([shapes.apply(shapes.similarity(face, mean_shape), face) for face in dense])
    shape_model = shapes.ShapeModel.fit(aligned, options.shape_components)
    frame = appearance.frame_points(shape_model.mean)
    from scipy.spatial import Delaunay

    triangles = Delaunay(frame).simplices.astype(np.int64)
    mask = appearance.texture_mask(shape_model.mean)
    space = appearance.ShapeTextureSpace(
        shape_model=shape_model,
        texture_codec=PcaCodec(appearance.FRAME_SIZE, *[torch.zeros(1)] * 5),
        triangles=triangles,
        texture_mask=mask,
        texture_mean=torch.zeros(appearance.FRAME_SIZE, appearance.FRAME_SIZE, 3),
        transport_luma=options.transport_luma,
        transport_chroma=options.transport_chroma,
    )
    textures = torch.stack(
        [
            space.shape_free_texture(
                chip,
                space.frame_to_photo(face, shapes.similarity(face, shape_model.mean)),
                shapes.similarity(face, shape_model.mean),
            )
            for chip, face in zip(chips, dense, strict=True)
        ]
    )
    del chips
    codec, mean_face = fit_texture_codec(textures, mask, options)
    space.texture_codec = codec
    space.texture_mean = mean_face
    space.transport_luma = min(options.transport_luma, codec.luma_components)
    space.transport_chroma = min(options.transport_chroma, codec.chroma_basis.shape[1])
    timings["space"] = time.perf_counter() - stage
    log(f"shape + texture space in {timings['space']:.1f} s")

    stage = time.perf_counter()
    texture_latents = torch.cat(
        [space.encode_textures(textures[i : i + 1024]) for i in range(0, len(textures), 1024)]
    )
    luma = codec.luma_components
    vectors = torch.cat(
        [
            torch.from_numpy(shape_model.encode(aligned)).float(),
            texture_latents[:, : space.transport_luma],
            texture_latents[:, luma : luma + space.transport_chroma],
        ],
        dim=1,
    )
    transports: dict[str, lightsb.LightSBParams] = {}
    transport_report = {}
    group_means: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}
    for direction, (source_rows, target_rows) in direction_groups(records, options).items():
        if len(source_rows) < 2 or len(target_rows) < 2:
            raise RuntimeError(f"too few faces for {direction}")
        group_means[direction] = (
            vectors[torch.from_numpy(source_rows)].mean(0),
            vectors[torch.from_numpy(target_rows)].mean(0),
        )
        direction_started = time.perf_counter()
        params, history = lightsb.fit(
            vectors[torch.from_numpy(source_rows)],
            vectors[torch.from_numpy(target_rows)],
            epsilon=options.epsilon,
            potentials=options.potentials,
            steps=options.lightsb_steps,
            seed=options.seed,
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

    stage = time.perf_counter()
    is_child = np.array([record.child for record in records])
    is_female = np.array([record.female for record in records])
    classifiers = {
        "child": LogisticRegression.fit(vectors.numpy(), is_child),
        "female": LogisticRegression.fit(vectors.numpy()[~is_child], is_female[~is_child]),
    }
    timings["estimate"] = time.perf_counter() - stage

    config = {
        "name": "lightsb-utkface-shape-texture",
        "version": VERSION,
        "codec": (
            f"shape{shape_model.components}+texture-luma{codec.luma_components}"
            f"-chroma{codec.chroma_basis.shape[1]}"
        ),
        "settings": asdict(options),
        "shape_gain": options.shape_gain,
        "texture_gain": options.texture_gain,
    }
    save_weights(
        out_dir,
        space=space,
        transports=transports,
        classifiers=classifiers,
        group_means=group_means,
        config=config,
    )
    timings["total"] = time.perf_counter() - started
    report = {
        "training_faces": len(training),
        "faces_used": len(records),
        "held_out_faces": len(held_out),
        "lightsb": transport_report,
        "seconds": {name: round(value, 1) for name, value in timings.items()},
        "torch_threads": torch.get_num_threads(),
    }
    (Path(out_dir) / "training_report.json").write_text(json.dumps(report, indent=2) + "\n")
    log(f"weights written to {out_dir} in {timings['total']:.0f} s")
    return report

"""Held-out evaluation: translation quality and fidelity, per direction and per group.

Faces come from the split that training never sees (``data.is_held_out``). Each held-out chip is
upscaled 2x to a 400 px "photo" and sent through the whole engine (detect, align, encode,
transport, decode, fidelity, composite). Outputs are scored with dlib:

- target rate: share of outputs a logistic regression on dlib's 128-d descriptor, trained on the
  training split only, puts in the target class;
- identity distance: descriptor distance input -> output (dlib: < 0.6 is the same person);
- re-detection: HOG still finds a face in the output;
- diversity: mean pixel L1 (in [-1, 1] units) between the variants' face regions;
- fidelity: CIE L* shift and Delta E of the cheek/nose region's mean colour, per-pixel median
  Delta E there, and the face region's Laplacian variance, output / input.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from . import data, detect
from .colour import laplacian_variance, rgb_to_lab
from .engine import load_engine
from .train import direction_groups, reconstruction_l1

PHOTO_SIZE = 400
SEED = 1234
LIGHTNESS_BANDS = ((0, 45, "L* < 45"), (45, 60, "L* 45-60"), (60, 101, "L* >= 60"))
TARGETS = {
    "adult_to_child": ("child", True),
    "child_to_adult": ("child", False),
    "male_to_female": ("female", True),
    "female_to_male": ("female", False),
}


def as_photo(record: data.FaceRecord) -> np.ndarray:
    chip = Image.fromarray(data.load_chip(record.path))
    return np.asarray(chip.resize((PHOTO_SIZE, PHOTO_SIZE), Image.Resampling.BICUBIC))


def describe(rgb: np.ndarray, fallback_box=None):
    """(descriptor, detected face or None) for the largest face, or the fallback box."""
    faces = detect.detect_faces(rgb)
    face = faces[0] if faces else None
    box = face.box if face else fallback_box
    if box is None:
        return None, None
    return detect.face_descriptor(rgb, box), face


class LogisticRegression:
    """L2-regularised, class-balanced logistic regression fitted with L-BFGS."""

    def __init__(self, features: np.ndarray, labels: np.ndarray, l2: float = 1e-3) -> None:
        x = torch.from_numpy(features).double()
        y = torch.from_numpy(labels.astype(np.float64))
        self.mean = x.mean(0)
        self.scale = x.std(0).clamp(min=1e-6)
        x = (x - self.mean) / self.scale
        positive = y.mean().clamp(1e-3, 1 - 1e-3)
        sample_weights = torch.where(y > 0.5, 0.5 / positive, 0.5 / (1 - positive))
        self.weights = torch.zeros(x.shape[1], dtype=torch.float64, requires_grad=True)
        self.bias = torch.zeros(1, dtype=torch.float64, requires_grad=True)
        optimiser = torch.optim.LBFGS(
            [self.weights, self.bias], max_iter=200, line_search_fn="strong_wolfe"
        )

        def closure():
            optimiser.zero_grad()
            logits = x @ self.weights + self.bias
            value = (
                torch.nn.functional.binary_cross_entropy_with_logits(
                    logits, y, weight=sample_weights
                )
                + l2 * (self.weights**2).sum()
            )
            value.backward()
            return value

        optimiser.step(closure)

    def probability(self, features: np.ndarray) -> np.ndarray:
        x = (torch.from_numpy(np.atleast_2d(features)).double() - self.mean) / self.scale
        with torch.no_grad():
            return torch.sigmoid(x @ self.weights + self.bias).numpy()


def train_classifiers(records: Sequence[data.FaceRecord], per_class: int, log) -> dict:
    """Child and female classifiers on training-split descriptors; returns them and accuracy."""
    rng = np.random.default_rng(SEED)
    child = [r for r in records if r.child]
    adults = [r for r in records if not r.child]
    chosen = list(rng.choice(child, min(per_class, len(child)), replace=False)) + list(
        rng.choice(adults, min(2 * per_class, len(adults)), replace=False)
    )
    features, used = [], []
    for record in chosen:
        descriptor, _ = describe(as_photo(record))
        if descriptor is not None:
            features.append(descriptor)
            used.append(record)
    features = np.array(features)
    is_child = np.array([r.child for r in used])
    is_female = np.array([r.female for r in used])
    adult_rows = ~is_child
    classifiers = {
        "child": LogisticRegression(features, is_child),
        "female": LogisticRegression(features[adult_rows], is_female[adult_rows]),
    }
    log(f"classifiers trained on {len(used)} training faces")
    return classifiers


def _region_stats(rgb: np.ndarray, landmarks: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """Cheek/nose pixels' Lab (M, 3) and the face box's grey image (for sharpness)."""
    left, right = landmarks[36, 0], landmarks[45, 0]
    top, bottom = landmarks[28, 1], landmarks[51, 1]
    region = rgb[int(top) : int(bottom) + 1, int(left) : int(right) + 1]
    lab = rgb_to_lab(torch.from_numpy(region.astype(np.float32) / 255)).reshape(-1, 3)
    return lab, region


def fidelity_figures(before: np.ndarray, after: np.ndarray, landmarks: np.ndarray) -> dict:
    lab_before, _ = _region_stats(before, landmarks)
    lab_after, _ = _region_stats(after, landmarks)
    mean_before, mean_after = lab_before.mean(0), lab_after.mean(0)
    jaw = landmarks[0:17]
    left, right = int(jaw[:, 0].min()), int(jaw[:, 0].max()) + 1
    top, bottom = int(landmarks[17:27, 1].min()), int(landmarks[8, 1]) + 1
    grey_before = torch.from_numpy(before[max(top, 0) : bottom, max(left, 0) : right].mean(-1))
    grey_after = torch.from_numpy(after[max(top, 0) : bottom, max(left, 0) : right].mean(-1))
    return {
        "lightness_in": float(mean_before[0]),
        "l_shift": float(mean_after[0] - mean_before[0]),
        "delta_e_mean_colour": float(torch.linalg.norm(mean_after - mean_before)),
        "delta_e_pixel_median": float(torch.linalg.norm(lab_after - lab_before, dim=1).median()),
        "sharpness_ratio": laplacian_variance(grey_after.double())
        / max(laplacian_variance(grey_before.double()), 1e-9),
    }


def _median(values) -> float:
    return float(np.median(values)) if len(values) else float("nan")


def _mean(values) -> float:
    return float(np.mean(values)) if len(values) else float("nan")


def evaluate(
    data_dir: Path,
    *,
    weights_dir: Path | None = None,
    faces_per_direction: int = 64,
    variants: int = 3,
    classifier_faces: int = 200,
    out: Path | None = None,
    log: Callable[[str], None] = print,
) -> dict:
    started = time.perf_counter()
    engine = load_engine(weights_dir)
    training, held_out = data.list_faces(Path(data_dir))
    classifiers = train_classifiers(training, classifier_faces, log)
    groups = direction_groups(held_out)
    rng = np.random.default_rng(SEED)
    rows: dict[str, dict[str, list]] = {}
    fidelity_rows: list[dict] = []
    for direction, (source_rows, _) in groups.items():
        picked = rng.choice(source_rows, min(faces_per_direction, len(source_rows)), replace=False)
        records = [held_out[row] for row in sorted(picked)]
        crops = np.stack([data.load_crop(r.path, engine.resolution) for r in records])
        recon = reconstruction_l1(engine.codec.to("cpu"), crops)
        attribute, want_positive = TARGETS[direction]
        classifier = classifiers[attribute]
        scores: dict[str, list] = defaultdict(list)
        scores["reconstruction_l1"] = [recon["l1"]]
        for record in records:
            photo = as_photo(record)
            input_descriptor, input_face = describe(photo)
            if input_face is None:
                scores["input_missed"].append(1)
                continue
            for mode in ("fidelity", "plain"):
                # The plain-decoding baseline is only for comparison: one variant is enough.
                result = engine.translate(
                    Image.fromarray(photo),
                    direction=direction,
                    variants=variants if mode == "fidelity" else 1,
                    seed=SEED,
                    fidelity=mode == "fidelity",
                )
                variant_crops = []
                for variant in result.variants:
                    output = np.asarray(variant.composite)
                    descriptor, face = describe(output, fallback_box=input_face.box)
                    probability = float(classifier.probability(descriptor)[0])
                    hit = probability >= 0.5 if want_positive else probability < 0.5
                    scores[f"{mode}_target"].append(hit)
                    scores[f"{mode}_redetected"].append(face is not None)
                    scores[f"{mode}_identity"].append(
                        float(np.linalg.norm(descriptor - input_descriptor))
                    )
                    figures = fidelity_figures(photo, output, input_face.landmarks)
                    figures.update(direction=direction, mode=mode, race=record.race or "unknown")
                    fidelity_rows.append(figures)
                    variant_crops.append(np.asarray(variant.crops[0][1], dtype=np.float32))
                pairs = [
                    np.abs(a - b).mean() / 127.5
                    for i, a in enumerate(variant_crops)
                    for b in variant_crops[i + 1 :]
                ]
                if pairs:
                    scores[f"{mode}_diversity"].append(float(np.mean(pairs)))
        rows[direction] = scores
        log(f"{direction}: {len(records)} faces scored ({time.perf_counter() - started:.0f} s)")

    report = _summarise(rows, fidelity_rows, engine.info(), faces_per_direction, variants)
    report["seconds"] = round(time.perf_counter() - started, 1)
    markdown = _markdown(report)
    print(markdown)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(markdown)
        out.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    return report


def _summarise(rows, fidelity_rows, info, faces, variants) -> dict:
    directions = {}
    for direction, scores in rows.items():
        entry = {
            "reconstruction_l1": scores["reconstruction_l1"][0],
            "input_missed": len(scores["input_missed"]),
        }
        for mode in ("fidelity", "plain"):
            entry[mode] = {
                "outputs": len(scores[f"{mode}_target"]),
                "target_rate": _mean(scores[f"{mode}_target"]),
                "redetection": _mean(scores[f"{mode}_redetected"]),
                "identity_median": _median(scores[f"{mode}_identity"]),
                "diversity": _mean(scores[f"{mode}_diversity"]),
            }
        directions[direction] = entry
    groups = {}
    for mode in ("fidelity", "plain"):
        selected = [row for row in fidelity_rows if row["mode"] == mode]
        keyed = defaultdict(list)
        for row in selected:
            keyed[f"race: {row['race']}"].append(row)
            for low, high, name in LIGHTNESS_BANDS:
                if low <= row["lightness_in"] < high:
                    keyed[f"input {name}"].append(row)
            keyed["all"].append(row)
        groups[mode] = {
            name: {
                "outputs": len(members),
                "l_shift_mean": _mean([m["l_shift"] for m in members]),
                "delta_e_mean_colour_median": _median([m["delta_e_mean_colour"] for m in members]),
                "delta_e_pixel_median": _median([m["delta_e_pixel_median"] for m in members]),
                "sharpness_ratio_median": _median([m["sharpness_ratio"] for m in members]),
            }
            for name, members in sorted(keyed.items())
        }
    return {
        "model": info,
        "faces_per_direction": faces,
        "variants": variants,
        "directions": directions,
        "fidelity_groups": groups,
    }


def _markdown(report: dict) -> str:
    lines = [
        f"Held-out evaluation: {report['faces_per_direction']} unseen faces per direction x "
        f"{report['variants']} variants, strength 1, model {report['model']['codec']}.",
        "",
        "| direction | recon L1 | target rate | re-detect | identity median | diversity "
        "| target rate (plain) | identity (plain) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for direction, entry in report["directions"].items():
        fid, plain = entry["fidelity"], entry["plain"]
        lines.append(
            f"| {direction} | {entry['reconstruction_l1']:.4f} | {fid['target_rate']:.2f} | "
            f"{fid['redetection']:.2f} | {fid['identity_median']:.3f} | {fid['diversity']:.3f} | "
            f"{plain['target_rate']:.2f} | {plain['identity_median']:.3f} |"
        )
    for mode in ("fidelity", "plain"):
        lines += [
            "",
            f"Fidelity per group ({mode}: "
            + (
                "residual edit + skin-tone match + photo-resolution paste"
                if mode == "fidelity"
                else "plain codec decoding pasted back"
            )
            + ")",
            "",
            "| group | outputs | mean L* shift | median ΔE (mean colour) | median ΔE (per pixel) "
            "| sharpness out/in |",
            "|---|---|---|---|---|---|",
        ]
        for name, entry in report["fidelity_groups"][mode].items():
            lines.append(
                f"| {name} | {entry['outputs']} | {entry['l_shift_mean']:+.2f} | "
                f"{entry['delta_e_mean_colour_median']:.2f} | {entry['delta_e_pixel_median']:.2f} "
                f"| {entry['sharpness_ratio_median']:.2f} |"
            )
    return "\n".join(lines) + "\n"

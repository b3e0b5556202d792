"""Held-out evaluation: translation quality, geometry, seams and fidelity, per direction and group.

Faces come from the split that training never sees (``data.is_held_out``). Each held-out chip is
upscaled 2x to a 400 px "photo" and sent through the whole engine. Outputs are scored with dlib
and with measurements that painted features cannot fool:

- target rate: share of outputs a logistic regression on dlib's 128-d descriptor, trained on the
  training split only, puts in the target class (dlib can be fooled by make-up-like changes, so
  this is never read alone);
- identity distance: descriptor distance input -> output (dlib: < 0.6 is the same person);
- re-detection: HOG still finds a face in the output;
- shape displacement: the landmarks re-detected on the output, in the engine's shape space,
  projected on the gap between the held-out source and target groups' mean shapes (1.0 = the
  output's proportions moved by the whole gap between the groups);
- seam: pixels outside the edit region that changed (must be 0) and the change just inside the
  region's edge (the outside is unchanged, so a seam is a large change there);
- variant diversity: mean absolute pixel difference between variants over the face box (0-255);
- fidelity: CIE L* shift and Delta E of the cheek/nose region's mean colour, per group.
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

from . import data, detect, render
from . import shape as shapes
from .classify import LogisticRegression
from .colour import laplacian_variance, rgb_to_lab
from .engine import Engine, load_engine
from .train import direction_groups

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


def train_classifiers(records: Sequence[data.FaceRecord], per_class: int, log) -> dict:
    """Child and female classifiers on training-split descriptors."""
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
    features_array = np.array(features)
    is_child = np.array([r.child for r in used])
    is_female = np.array([r.female for r in used])
    adult_rows = ~is_child
    log(f"classifiers trained on {len(used)} training faces")
    return {
        "child": LogisticRegression.fit(features_array, is_child),
        "female": LogisticRegression.fit(features_array[adult_rows], is_female[adult_rows]),
    }


def shape_coefficients(engine: Engine, landmarks: np.ndarray) -> np.ndarray:
    dense = shapes.dense_landmarks(landmarks + 0.5)
    aligned, _ = engine.space.shape_model.align(dense)
    return engine.space.shape_model.encode(aligned)


def seam_figures(before: np.ndarray, after: np.ndarray, landmarks: np.ndarray) -> dict:
    """Changed pixels outside the edit region (must be 0), and the step at its edge: the 95th
    percentile of the change (0-255) in the thin band just inside the edge. The region's
    outside is unchanged, so a seam shows as a large change there; a continuous edit has
    faded to almost nothing."""
    dense = shapes.dense_landmarks(landmarks + 0.5)
    pinned = shapes.ring(dense)
    centre = pinned.mean(0)
    radius = float(np.linalg.norm(pinned - centre, axis=1).mean())
    height, width = before.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width]
    r = np.hypot(xs + 0.5 - centre[0], ys + 0.5 - centre[1]) / radius
    difference = np.abs(after.astype(np.float32) - before.astype(np.float32)).max(-1)
    outside = r >= render.FEATHER_OUTER
    band = (r >= render.FEATHER_OUTER - 0.03) & ~outside
    return {
        "changed_outside": int((difference[outside] > 0).sum()),
        "edge_step": float(np.percentile(difference[band], 95)) if band.any() else 0.0,
    }


def _region_lab(rgb: np.ndarray, landmarks: np.ndarray, *, upper_lip: bool = True) -> torch.Tensor:
    """Cheek/nose pixels' Lab (M, 3), down to the top of the upper lip, or (``upper_lip``
    False) only down to the nose's base: the skin that no hair edit (moustache removal,
    stubble) touches, so its shift is the skin tone's drift alone."""
    left, right = landmarks[36, 0], landmarks[45, 0]
    top = landmarks[28, 1]
    bottom = landmarks[51, 1] if upper_lip else landmarks[33, 1]
    region = rgb[int(top) : int(bottom) + 1, int(left) : int(right) + 1]
    return rgb_to_lab(torch.from_numpy(region.astype(np.float32) / 255)).reshape(-1, 3)


def fidelity_figures(before: np.ndarray, after: np.ndarray, landmarks: np.ndarray) -> dict:
    lab_before = _region_lab(before, landmarks)
    lab_after = _region_lab(after, landmarks)
    mean_before, mean_after = lab_before.mean(0), lab_after.mean(0)
    skin_before = _region_lab(before, landmarks, upper_lip=False)[:, 0].mean()
    skin_after = _region_lab(after, landmarks, upper_lip=False)[:, 0].mean()
    jaw = landmarks[0:17]
    left, right = int(jaw[:, 0].min()), int(jaw[:, 0].max()) + 1
    top, bottom = int(landmarks[17:27, 1].min()), int(landmarks[8, 1]) + 1
    grey_before = torch.from_numpy(before[max(top, 0) : bottom, max(left, 0) : right].mean(-1))
    grey_after = torch.from_numpy(after[max(top, 0) : bottom, max(left, 0) : right].mean(-1))
    return {
        "lightness_in": float(mean_before[0]),
        "l_shift": float(mean_after[0] - mean_before[0]),
        "l_shift_skin": float(skin_after - skin_before),
        "delta_e_mean_colour": float(torch.linalg.norm(mean_after - mean_before)),
        "sharpness_ratio": laplacian_variance(grey_after.double())
        / max(laplacian_variance(grey_before.double()), 1e-9),
    }


def _median(values) -> float:
    return float(np.median(values)) if len(values) else float("nan")


def _mean(values) -> float:
    return float(np.mean(values)) if len(values) else float("nan")


def group_shape_gap(
    engine: Engine, held_out: Sequence[data.FaceRecord], rows: tuple, count: int, rng
) -> np.ndarray:
    """Mean shape coefficients of held-out target faces minus those of source faces."""
    means = []
    for group in rows:
        picked = rng.choice(group, min(count, len(group)), replace=False)
        coefficients = []
        for row in picked:
            faces = detect.detect_faces(as_photo(held_out[row]))
            if faces:
                coefficients.append(shape_coefficients(engine, faces[0].landmarks))
        means.append(np.mean(coefficients, axis=0))
    return means[1] - means[0]


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
    rng = np.random.default_rng(SEED)
    rows: dict[str, dict[str, list]] = {}
    fidelity_rows: list[dict] = []
    for direction, (source_rows, target_rows) in direction_groups(held_out).items():
        gap = group_shape_gap(engine, held_out, (source_rows, target_rows), 48, rng)
        picked = rng.choice(source_rows, min(faces_per_direction, len(source_rows)), replace=False)
        attribute, want_positive = TARGETS[direction]
        classifier = classifiers[attribute]
        scores: dict[str, list] = defaultdict(list)
        for row in sorted(picked):
            record = held_out[row]
            photo = as_photo(record)
            input_descriptor, input_face = describe(photo)
            if input_face is None:
                scores["input_missed"].append(1)
                continue
            input_shape = shape_coefficients(engine, input_face.landmarks)
            result = engine.translate(
                Image.fromarray(photo), direction=direction, variants=variants, seed=SEED
            )
            outputs = [np.asarray(variant.composite) for variant in result.variants]
            for output in outputs:
                descriptor, face = describe(output, fallback_box=input_face.box)
                probability = float(classifier.probability(descriptor)[0])
                scores["target"].append(probability >= 0.5 if want_positive else probability < 0.5)
                scores["redetected"].append(face is not None)
                scores["identity"].append(float(np.linalg.norm(descriptor - input_descriptor)))
                if face is not None:
                    moved = shape_coefficients(engine, face.landmarks) - input_shape
                    scores["displacement"].append(float(moved @ gap / max(gap @ gap, 1e-9)))
                seam = seam_figures(photo, output, input_face.landmarks)
                scores["changed_outside"].append(seam["changed_outside"])
                scores["edge_step"].append(seam["edge_step"])
                figures = fidelity_figures(photo, output, input_face.landmarks)
                figures.update(direction=direction, race=record.race or "unknown")
                fidelity_rows.append(figures)
            left, top, right, bottom = (max(v, 0) for v in input_face.box)
            boxes = [o[top:bottom, left:right].astype(np.float32) for o in outputs]
            pairs = [np.abs(a - b).mean() for i, a in enumerate(boxes) for b in boxes[i + 1 :]]
            if pairs:
                scores["diversity"].append(float(np.mean(pairs)))
        rows[direction] = scores
        log(f"{direction}: {len(picked)} faces scored ({time.perf_counter() - started:.0f} s)")

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
        directions[direction] = {
            "input_missed": len(scores["input_missed"]),
            "outputs": len(scores["target"]),
            "target_rate": _mean(scores["target"]),
            "redetection": _mean(scores["redetected"]),
            "identity_median": _median(scores["identity"]),
            "displacement_median": _median(scores["displacement"]),
            "changed_outside_max": int(max(scores["changed_outside"], default=0)),
            "edge_step_max": float(max(scores["edge_step"], default=0.0)),
            "edge_step_median": _median(scores["edge_step"]),
            "diversity_px": _mean(scores["diversity"]),
        }
    keyed = defaultdict(list)
    for row in fidelity_rows:
        keyed[f"race: {row['race']}"].append(row)
        for low, high, name in LIGHTNESS_BANDS:
            if low <= row["lightness_in"] < high:
                keyed[f"input {name}"].append(row)
        keyed["all"].append(row)
    groups = {
        name: {
            "outputs": len(members),
            "l_shift_mean": _mean([m["l_shift"] for m in members]),
            "l_shift_skin_mean": _mean([m["l_shift_skin"] for m in members]),
            "delta_e_mean_colour_median": _median([m["delta_e_mean_colour"] for m in members]),
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
        f"{report['variants']} variants, strength 1, model {report['model']['name']} "
        f"{report['model']['version']} ({report['model']['codec']}).",
        "",
        "| direction | target rate | re-detect | identity median | shape displacement "
        "| changed outside | edge step max (median) | variant diversity (px) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for direction, entry in report["directions"].items():
        lines.append(
            f"| {direction} | {entry['target_rate']:.2f} | {entry['redetection']:.2f} | "
            f"{entry['identity_median']:.3f} | {entry['displacement_median']:.2f} | "
            f"{entry['changed_outside_max']} | {entry['edge_step_max']:.2f} "
            f"({entry['edge_step_median']:.2f}) | {entry['diversity_px']:.2f} |"
        )
    lines += [
        "",
        "Fidelity per group (output minus input; cheeks and nose down to the upper lip, and the "
        "skin above the nose's base that no hair edit touches)",
        "",
        "| group | outputs | mean L* shift | mean L* shift, skin above the lip "
        "| median ΔE (mean colour) | sharpness out/in |",
        "|---|---|---|---|---|---|",
    ]
    for name, entry in report["fidelity_groups"].items():
        lines.append(
            f"| {name} | {entry['outputs']} | {entry['l_shift_mean']:+.2f} | "
            f"{entry['l_shift_skin_mean']:+.2f} | "
            f"{entry['delta_e_mean_colour_median']:.2f} | {entry['sharpness_ratio_median']:.2f} |"
        )
    return "\n".join(lines) + "\n"

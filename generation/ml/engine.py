"""The translation engine: photo in, translated composites out. Django-free.

One call of :meth:`Engine.translate`:

1. the photo is brought to its working size (at most ``WORK_MAX_SIDE`` px and ``WORK_MAX_PIXELS``),
   so a huge upload costs no more than an 8-megapixel photo;
2. faces are detected (dlib) and each is measured in the shape + texture space;
3. LightSB moves each face's whitened coordinates along the Schrödinger bridge of the direction;
4. the moved shape warps the photo itself and the texture change is added in the new shape
   (``render``), with the skin edits of the direction; the photo outside each face is untouched.
"""

from __future__ import annotations

import math
import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps

from . import DIRECTIONS, MAX_FACES, MAX_VARIANTS, detect, lightsb, render
from . import shape as shapes
from .appearance import FaceMeasure
from .errors import MIN_FACE_PX, FaceTooSmall, InvalidImage, InvalidSettings, NoFaceFound
from .limits import (
    MAX_INPUT_PIXELS,
    MAX_JOURNEY_FRAMES,
    MAX_VARIATION,
    WORK_MAX_PIXELS,
    WORK_MAX_SIDE,
)
from .results import FaceEstimate, FaceInfo, TranslationResult, VariantOutput
from .weights_io import DEFAULT_WEIGHTS_DIR, load_weights

# Face close-ups: large enough to compare the variants face to face on the result page.
CROP_OUTPUT_SIZE = 512
JOURNEY_MAX_SIDE = 1024  # journey frames are for watching the change, not for printing
# How a direction uses the skin edits the linear texture cannot express (per unit of strength).
SKIN_EDITS = {
    "adult_to_child": {"smoothing": 0.6, "beard_removal": 1.0},
    "child_to_adult": {},
    "male_to_female": {"beard_removal": 1.0, "smoothing": 0.3},
    "female_to_male": {"stubble": 1.0, "lip_tone": 0.8},
}
# Children's features sit lower in a larger head: the inner face is scaled about the top of
# the forehead (after the learned shape change) by this factor.
FACE_SCALE = {"adult_to_child": 0.95, "child_to_adult": 1.03}
_PROGRESS = {
    "detect": 5,
    "align": 20,
    "encode": 35,
    "transport": 50,
    "decode": 65,
    "composite": 80,
    "done": 100,
}
# Where a stage that reports steps ends: just short of the next stage's percent.
_NEXT_PROGRESS = {"composite": 99}


def configure_threads() -> int:
    """Torch threads per process from LIGHTSB_TORCH_THREADS (default 1): several workers on a
    small machine must not each spawn one thread per core."""
    threads = max(1, int(os.environ.get("LIGHTSB_TORCH_THREADS", "1")))
    torch.set_num_threads(threads)
    return threads


@dataclass
class _Face:
    index: int
    detected: detect.DetectedFace
    measure: FaceMeasure
    edit_scale: float  # 1 for a frontal face, less for a turned one
    male: float = 1.0  # the classifier's probability that the face is male (beards grow there)


class Engine:
    """A loaded model. ``translate`` is safe to call from several threads at once."""

    def __init__(self, weights_dir: Path, *, device: str | None = None) -> None:
        started = time.perf_counter()
        self.weights_dir = Path(weights_dir)
        weights = load_weights(self.weights_dir)
        self.config = weights.config
        self.space = weights.space
        self.transports = weights.transports
        self.classifiers = weights.classifiers
        self.group_means = weights.group_means
        self.device = torch.device(device or "cpu")
        self.space.change_basis()  # precompute now, not on the first request
        detect.warm_up()
        self.load_seconds = time.perf_counter() - started

    @property
    def version(self) -> str:
        return str(self.config.get("version", "unknown"))

    def info(self) -> dict:
        return {
            "name": self.config.get("name", "lightsb-utkface"),
            "version": self.version,
            "codec": self.config.get("codec", "shape+texture"),
            "resolution": self.space.texture_codec.resolution,
            "latent_dim": self.space.transport_dim,
            "directions": list(self.transports),
            "shape_gain": {name: self.gain("shape_gain", name) for name in self.transports},
            "texture_gain": {name: self.gain("texture_gain", name) for name in self.transports},
            "device": str(self.device),
            "load_seconds": round(self.load_seconds, 3),
            "torch_threads": torch.get_num_threads(),
        }

    def gain(self, kind: str, direction: str) -> float:
        """A calibrated per-direction gain from the config (1 when absent)."""
        gains = self.config.get(kind, {})
        return float(gains.get(direction, 1.0)) if isinstance(gains, dict) else float(gains)

    # -- public API -------------------------------------------------------------------------
    def translate(
        self,
        image: Image.Image,
        *,
        direction: str,
        variants: int = 4,
        seed: int | None = None,
        strength: float = 1.0,
        variation: float = 1.0,
        face_index: int | None = None,
        journey_frames: int = 0,
        on_progress: Callable[[str, int], None] | None = None,
    ) -> TranslationResult:
        """Translate every face (or ``face_index``) of ``image`` in ``direction``.

        Variant ``i`` uses seed ``seed + i``; the same image, seed and settings give identical
        output. ``strength`` is the time along the bridge (0 returns the input unchanged);
        ``variation`` scales how far variants spread (0..2, 1 = the bridge's own spread).
        """
        self._check_settings(direction, variants, strength, variation, journey_frames, face_index)
        seed = random.randrange(2**31) if seed is None else int(seed)
        timings: dict[str, float] = {}
        total_started = time.perf_counter()

        def progress(stage: str, done: int = 0, steps: int = 1) -> None:
            """Report ``stage``; ``done`` of ``steps`` moves the percent toward the next stage's
            (pasting a large photo takes seconds per variant, the bar must not stand still)."""
            if on_progress is not None:
                start = _PROGRESS[stage]
                end = _NEXT_PROGRESS.get(stage, start)
                on_progress(stage, start + (end - start) * done // max(steps, 1))

        started = time.perf_counter()
        rgb, work_scale = working_photo(image)
        timings["decode"] = time.perf_counter() - started

        progress("detect")
        started = time.perf_counter()
        detected = self._find_faces(rgb, face_index)
        timings["detect"] = time.perf_counter() - started

        progress("align")
        started = time.perf_counter()
        faces = [
            _Face(
                index=index,
                detected=found,
                measure=self.space.measure(rgb, found.landmarks + 0.5),
                edit_scale=turn_scale(found.landmarks),
            )
            for index, found in detected
        ]
        timings["align"] = time.perf_counter() - started

        progress("encode")
        started = time.perf_counter()
        source = torch.stack([self.space.transport_vector(face.measure) for face in faces])
        estimates = [self.estimate_vector(row) for row in source]
        for face, estimate in zip(faces, estimates, strict=True):
            face.male = 1.0 - estimate.female
        timings["encode"] = time.perf_counter() - started

        progress("transport")
        started = time.perf_counter()
        params = self.transports[direction]
        moved_variants: list[torch.Tensor] = []
        journey_states: list[tuple[float, torch.Tensor]] = []
        for variant in range(variants):
            generator = torch.Generator().manual_seed(seed + variant)
            endpoint = lightsb.sample_conditional(params, source, generator, variation=variation)
            if strength >= 1.0 and not (variant == 0 and journey_frames):
                moved_variants.append(endpoint)
                continue
            path = lightsb.bridge_path(source, endpoint, params.epsilon, generator=generator)
            moved_variants.append(lightsb.path_at(path, strength))
            if variant == 0 and journey_frames:
                journey_states = [
                    (float(t), lightsb.path_at(path, float(t)))
                    for t in np.linspace(0.0, strength, journey_frames)
                ]
        timings["transport"] = time.perf_counter() - started

        progress("decode")
        started = time.perf_counter()
        variant_edits = [
            self._edits(direction, faces, source, moved, strength, seed + number)
            for number, moved in enumerate(moved_variants)
        ]
        journey_edits = [
            self._edits(direction, faces[:1], source[:1], moved[:1], t, seed)
            for t, moved in journey_states
        ]
        timings["decode_latent"] = time.perf_counter() - started

        progress("composite")
        started = time.perf_counter()
        outputs = []
        renderer = render.PhotoRenderer(rgb)
        # One step per variant, one for the journey (all its frames are small).
        steps = len(variant_edits) + (1 if journey_edits else 0)
        for number, edits in enumerate(variant_edits):
            composite = renderer.render(edits)
            outputs.append(
                VariantOutput(
                    index=number,
                    seed=seed + number,
                    composite=Image.fromarray(composite),
                    crops=[(face.index, face_crop(composite, face.detected)) for face in faces],
                )
            )
            progress("composite", number + 1, steps)
        journey = self._journey(rgb, journey_edits)
        if journey_edits:
            progress("composite", steps, steps)
        input_crops = [(face.index, face_crop(rgb, face.detected)) for face in faces]
        timings["composite"] = time.perf_counter() - started
        timings["total"] = time.perf_counter() - total_started
        progress("done")
        return TranslationResult(
            seed=seed,
            direction=direction,
            strength=float(strength),
            variation=float(variation),
            faces=[
                FaceInfo(
                    index=face.index,
                    box=face.detected.box,
                    size_px=face.detected.size_px,
                    estimate=estimate,
                    turned=face.edit_scale < 1.0,
                )
                for face, estimate in zip(faces, estimates, strict=True)
            ],
            variants=outputs,
            input_crops=input_crops,
            journey=journey,
            timings=timings,
            model_version=self.version,
            work_scale=work_scale,
        )

    def estimate(self, image: Image.Image) -> list[FaceInfo]:
        """Every face's probable age group and sex, without translating anything."""
        rgb, _ = working_photo(image)
        infos = []
        for index, found in self._find_faces(rgb, None):
            measure = self.space.measure(rgb, found.landmarks + 0.5)
            infos.append(
                FaceInfo(
                    index=index,
                    box=found.box,
                    size_px=found.size_px,
                    estimate=self.estimate_vector(self.space.transport_vector(measure)),
                    turned=turn_scale(found.landmarks) < 1.0,
                )
            )
        return infos

    def estimate_vector(self, vector: torch.Tensor) -> FaceEstimate:
        return FaceEstimate(
            child=float(self.classifiers["child"].probability(vector)[0]),
            female=float(self.classifiers["female"].probability(vector)[0]),
        )

    # -- stages -----------------------------------------------------------------------------
    def _edits(
        self,
        direction: str,
        faces: list[_Face],
        source: torch.Tensor,
        moved: torch.Tensor,
        strength: float,
        seed: int,
    ) -> list[render.FaceEdit]:
        """Render instructions for each face: moved landmarks, texture change, skin edits."""
        shape_dim = self.space.shape_dim
        shape_gain = self.gain("shape_gain", direction)
        texture_gain = self.gain("texture_gain", direction)
        scales = torch.tensor([face.edit_scale for face in faces], dtype=source.dtype)[:, None]
        step = (moved - source) * scales
        amplified = source.clone()
        amplified[:, :shape_dim] += shape_gain * step[:, :shape_dim]
        amplified[:, shape_dim:] += texture_gain * step[:, shape_dim:]
        changes = self.space.texture_change(amplified, source)
        frame_dense = self.space.frame_points[:73]
        edits = []
        for row, face in enumerate(faces):
            target = self.space.shape_in_photo(
                amplified[row, :shape_dim].double().numpy(), face.measure.to_model
            )
            # The shape model's own reconstruction error must not move the face: apply the
            # change of the reconstruction, not the reconstruction itself.
            rebuilt = self.space.shape_in_photo(face.measure.shape, face.measure.to_model)
            target = keep_mouth_form(face.measure.dense, face.measure.dense + (target - rebuilt))
            amount = float(strength) * face.edit_scale
            target = scale_inner_face(target, 1 + (FACE_SCALE.get(direction, 1.0) - 1) * amount)
            # Skin edits move no pixel, so a turned face cannot fold under them: they follow
            # the strength only (a turned man's beard goes as fully as a frontal one's).
            skin = {name: value * float(strength) for name, value in SKIN_EDITS[direction].items()}
            # A shadow on a woman's jaw is not a beard: removal is weighed by how male the
            # face reads.
            if "beard_removal" in skin:
                skin["beard_removal"] *= face.male
            edits.append(
                render.FaceEdit(
                    source=face.measure.dense,
                    target=target,
                    texture=changes[row],
                    frame_dense=frame_dense,
                    to_frame=self.space.photo_to_frame(face.measure.to_model),
                    seed=seed,
                    **skin,
                )
            )
        return edits

    def _journey(self, rgb: np.ndarray, edits: list[list[render.FaceEdit]]) -> list[Image.Image]:
        if not edits:
            return []
        scale = min(1.0, JOURNEY_MAX_SIDE / max(rgb.shape[:2]))
        small = rgb
        if scale < 1.0:
            size = (max(1, round(rgb.shape[1] * scale)), max(1, round(rgb.shape[0] * scale)))
            small = np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.LANCZOS))
        frames = []
        renderer = render.PhotoRenderer(small)
        for frame_edits in edits:
            scaled = [
                render.FaceEdit(
                    source=edit.source * scale,
                    target=edit.target * scale,
                    texture=edit.texture,
                    frame_dense=edit.frame_dense,
                    to_frame=edit.to_frame @ np.diag([1 / scale, 1 / scale, 1]),
                    beard_removal=edit.beard_removal,
                    stubble=edit.stubble,
                    smoothing=edit.smoothing,
                    lip_tone=edit.lip_tone,
                    seed=edit.seed,
                )
                for edit in frame_edits
            ]
            frames.append(Image.fromarray(renderer.render(scaled)))
        return frames

    def _check_settings(
        self, direction, variants, strength, variation, journey_frames, face_index
    ) -> None:
        if direction not in self.transports:
            raise InvalidSettings(
                f"Unknown direction {direction!r}; choose one of {', '.join(DIRECTIONS)}."
            )
        if not isinstance(variants, int) or not 1 <= variants <= MAX_VARIANTS:
            raise InvalidSettings(f"Variants must be between 1 and {MAX_VARIANTS}.")
        if not 0.0 <= float(strength) <= 1.0:
            raise InvalidSettings("Strength must be between 0 and 1.")
        if not 0.0 <= float(variation) <= MAX_VARIATION:
            raise InvalidSettings(f"Variation must be between 0 and {MAX_VARIATION:g}.")
        if journey_frames and not 2 <= journey_frames <= MAX_JOURNEY_FRAMES:
            raise InvalidSettings(
                f"Journey frames must be 0 or between 2 and {MAX_JOURNEY_FRAMES}."
            )
        if face_index is not None and not 0 <= face_index < MAX_FACES:
            raise InvalidSettings(f"Face index must be between 0 and {MAX_FACES - 1}.")

    def _find_faces(
        self, rgb: np.ndarray, face_index: int | None
    ) -> list[tuple[int, detect.DetectedFace]]:
        detected = detect.detect_faces(rgb)
        if not detected:
            raise NoFaceFound(min_face_px=MIN_FACE_PX)
        large = [face for face in detected if face.size_px >= MIN_FACE_PX]
        if not large:
            raise FaceTooSmall(found_px=detected[0].size_px, needed_px=MIN_FACE_PX)
        faces = list(enumerate(large[:MAX_FACES]))
        if face_index is not None:
            if face_index >= len(faces):
                raise InvalidSettings(
                    f"There is no face {face_index}; this photo has {len(faces)} (numbered from 0)."
                )
            faces = [faces[face_index]]
        return faces


def scale_inner_face(dense: np.ndarray, factor: float) -> np.ndarray:
    """The 68 face points scaled about the top of the forehead (forehead points stay)."""
    if factor == 1.0:
        return dense
    pivot = dense[68:73].mean(0)
    scaled = dense.copy()
    scaled[:68] = pivot + (dense[:68] - pivot) * factor
    return scaled


MOUTH = slice(48, 68)
# How much of the learned change of the mouth's own form (its opening, lip thickness) is kept;
# the rest moves the mouth as one piece (place, size, tilt). Warping a closed mouth open
# stretches the lips into a dark gap that no real face has.
MOUTH_FORM_KEPT = 0.3


def keep_mouth_form(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """``target`` with its mouth mostly moved as a unit from ``source``'s mouth."""
    rigid = shapes.apply(shapes.similarity(source[MOUTH], target[MOUTH]), source[MOUTH])
    kept = target.copy()
    kept[MOUTH] = rigid + MOUTH_FORM_KEPT * (target[MOUTH] - rigid)
    return kept


def turn_scale(landmarks: np.ndarray) -> float:
    """How much of the edit a face gets: all of it up to a slight turn, then less, down to a
    third at a profile, so the far side of a turned face is not folded over."""
    yaw = abs(shapes.yaw_estimate(landmarks))
    return float(np.clip(1.0 - max(0.0, yaw - 0.25) / 0.6, 0.35, 1.0))


def working_photo(image: Image.Image) -> tuple[np.ndarray, float]:
    """The upright RGB pixels at working size, and the scale applied (1 when none).

    A JPEG that is not decoded yet is decoded straight at (about) the working size by the
    decoder's own downscaling (``draft``), so a 40-megapixel upload never exists in memory at
    full size; no copy is made where nothing needs changing.
    """
    if not isinstance(image, Image.Image):
        raise InvalidImage("Expected an image.")
    width, height = image.size
    if width * height > MAX_INPUT_PIXELS:
        raise InvalidImage(
            f"The image is too large ({width}x{height}); the limit is "
            f"{MAX_INPUT_PIXELS // 1_000_000} megapixels."
        )
    original_pixels = width * height
    try:
        scale = _work_scale(width, height)
        if scale < 1.0 and image.format == "JPEG":
            image.draft("RGB", (math.ceil(width * scale), math.ceil(height * scale)))
        image.load()
        upright = image
        if image.getexif().get(_ORIENTATION, 1) != 1:
            upright = ImageOps.exif_transpose(image)
        if upright.mode != "RGB":
            upright = upright.convert("RGB")
    except (OSError, ValueError, SyntaxError) as error:
        raise InvalidImage("We couldn't read that file as an image.") from error
    width, height = upright.size
    scale = _work_scale(width, height)
    if scale < 1.0:
        size = (max(1, int(width * scale)), max(1, int(height * scale)))
        upright = upright.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    pixels = np.asarray(upright)
    return pixels, (pixels.shape[0] * pixels.shape[1] / original_pixels) ** 0.5


_ORIENTATION = 0x0112


def _work_scale(width: int, height: int) -> float:
    return min(1.0, WORK_MAX_SIDE / max(width, height), (WORK_MAX_PIXELS / (width * height)) ** 0.5)


def face_crop(rgb: np.ndarray, face: detect.DetectedFace) -> Image.Image:
    """A square close-up around the face (1.9x its box), CROP_OUTPUT_SIZE px; beyond the photo's
    edge it is black."""
    left, top, right, bottom = face.box
    centre_x, centre_y = (left + right) / 2, (top + bottom) / 2 - 0.08 * (bottom - top)
    half = 0.95 * max(right - left, bottom - top)
    box = tuple(
        round(v) for v in (centre_x - half, centre_y - half, centre_x + half, centre_y + half)
    )
    # Only the square is copied, never the whole photo (an 8-megapixel array per crop used to
    # be converted to an image just to cut a face out of it).
    x0, y0, x1, y1 = box
    height, width = rgb.shape[:2]
    square = np.zeros((y1 - y0, x1 - x0, 3), dtype=np.uint8)
    inside_x0, inside_y0 = max(x0, 0), max(y0, 0)
    inside_x1, inside_y1 = min(x1, width), min(y1, height)
    if inside_x1 > inside_x0 and inside_y1 > inside_y0:
        square[inside_y0 - y0 : inside_y1 - y0, inside_x0 - x0 : inside_x1 - x0] = rgb[
            inside_y0:inside_y1, inside_x0:inside_x1
        ]
    return Image.fromarray(square).resize(
        (CROP_OUTPUT_SIZE, CROP_OUTPUT_SIZE), Image.Resampling.LANCZOS, reducing_gap=2.0
    )


_load_lock = threading.Lock()


@cache
def _load_cached(resolved: str) -> Engine:
    return Engine(Path(resolved))


def load_engine(weights_dir: str | Path | None = None) -> Engine:
    """The process-wide engine for ``weights_dir`` (default: the bundled weights), loaded once."""
    resolved = str(Path(weights_dir or DEFAULT_WEIGHTS_DIR).resolve())
    with _load_lock:
        configure_threads()
        return _load_cached(resolved)

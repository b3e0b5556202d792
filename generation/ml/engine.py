"""The translation engine: photo in, translated composites out. Django-free."""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps

from . import DIRECTIONS, MAX_FACES, MAX_VARIANTS, align, detect, lightsb
from .colour import match_region_colour
from .errors import MIN_FACE_PX, FaceTooSmall, InvalidImage, InvalidSettings, NoFaceFound
from .results import FaceInfo, TranslationResult, VariantOutput
from .weights_io import DEFAULT_WEIGHTS_DIR, load_weights

MAX_JOURNEY_FRAMES = 16
MAX_PIXELS = 50_000_000
CROP_OUTPUT_SIZE = 256
_PROGRESS = {
    "detect": 5,
    "align": 20,
    "encode": 35,
    "transport": 50,
    "decode": 65,
    "composite": 80,
    "done": 100,
}


def configure_threads() -> int:
    """Torch threads per process from LIGHTSB_TORCH_THREADS (default 1): several workers on a
    small machine must not each spawn one thread per core."""
    threads = max(1, int(os.environ.get("LIGHTSB_TORCH_THREADS", "1")))
    torch.set_num_threads(threads)
    return threads


class _Face:
    """Per-face working state inside one translate call."""

    def __init__(self, index: int, detected: detect.DetectedFace) -> None:
        self.index = index
        self.detected = detected
        self.photo_to_crop: np.ndarray
        self.crop: torch.Tensor  # codec resolution, [0, 1]
        self.display_crop: torch.Tensor  # CROP_OUTPUT_SIZE, [0, 1]
        self.mask: torch.Tensor
        self.skin: torch.Tensor


class Engine:
    """A loaded model. ``translate`` is safe to call from several threads at once."""

    def __init__(self, weights_dir: Path, *, device: str | None = None) -> None:
        started = time.perf_counter()
        self.weights_dir = Path(weights_dir)
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.config, codec, transports, template = load_weights(self.weights_dir)
        self.codec = codec.to(self.device)
        self.transports = {name: params.to(self.device) for name, params in transports.items()}
        self.template = template
        self.resolution = self.codec.resolution
        self.transport_luma = int(self.config["transport_luma"])
        self.transport_chroma = int(self.config["transport_chroma"])
        detect.warm_up()
        self.load_seconds = time.perf_counter() - started

    def info(self) -> dict:
        return {
            "name": self.config.get("name", "lightsb-utkface"),
            "version": self.config.get("version", "unknown"),
            "codec": self.config.get("codec", "pca"),
            "resolution": self.resolution,
            "latent_dim": self.codec.latent_dim,
            "transport_dim": self.transport_luma + self.transport_chroma,
            "directions": list(self.transports),
            "transport_gain": {name: self.gain(name) for name in self.transports},
            "device": str(self.device),
            "load_seconds": round(self.load_seconds, 3),
            "torch_threads": torch.get_num_threads(),
        }

    # -- latent helpers ---------------------------------------------------------------------
    def _transport_part(self, latents: torch.Tensor) -> torch.Tensor:
        luma = self.codec.luma_components
        return torch.cat(
            [
                latents[:, : self.transport_luma],
                latents[:, luma : luma + self.transport_chroma],
            ],
            dim=1,
        )

    def gain(self, direction: str) -> float:
        """The calibrated ``transport_gain`` of a direction (see the model card: with the input's
        own detail kept, the plain bridge displacement is too faint for the new attribute to
        read as changed, so it is scaled by a per-direction factor measured on training data)."""
        gain = self.config.get("transport_gain", 1.0)
        if isinstance(gain, dict):
            return float(gain.get(direction, 1.0))
        return float(gain)

    def _amplify(self, source: torch.Tensor, moved: torch.Tensor, gain: float) -> torch.Tensor:
        if gain == 1.0:
            return moved
        return source + gain * (moved - source)

    def _with_transport_part(self, latents: torch.Tensor, part: torch.Tensor) -> torch.Tensor:
        luma = self.codec.luma_components
        result = latents.clone()
        result[:, : self.transport_luma] = part[:, : self.transport_luma]
        result[:, luma : luma + self.transport_chroma] = part[:, self.transport_luma :]
        return result

    # -- public API -------------------------------------------------------------------------
    def translate(
        self,
        image: Image.Image,
        *,
        direction: str,
        variants: int = 4,
        seed: int | None = None,
        strength: float = 1.0,
        face_index: int | None = None,
        journey_frames: int = 0,
        on_progress: Callable[[str, int], None] | None = None,
        fidelity: bool = True,
    ) -> TranslationResult:
        """Translate every face (or ``face_index``) of ``image`` in ``direction``.

        Variant ``i`` uses seed ``seed + i``; the same image, seed and settings give bit-identical
        output. ``strength`` is the time along the bridge (0 returns the input unchanged).
        ``fidelity`` (default on) keeps the input's skin tone and fine detail; off pastes the
        plain codec decoding, which the evaluation uses as the baseline.
        """
        self._check_settings(direction, variants, strength, journey_frames, face_index)
        if seed is None:
            seed = random.randrange(2**31)
        seed = int(seed)
        timings: dict[str, float] = {}
        total_started = time.perf_counter()

        def progress(stage: str) -> None:
            if on_progress is not None:
                on_progress(stage, _PROGRESS[stage])

        started = time.perf_counter()
        rgb = _to_rgb_array(image)
        timings["decode"] = time.perf_counter() - started

        progress("detect")
        started = time.perf_counter()
        faces = self._find_faces(rgb, face_index)
        timings["detect"] = time.perf_counter() - started

        progress("align")
        started = time.perf_counter()
        for face in faces:
            self._align(rgb, face)
        timings["align"] = time.perf_counter() - started

        progress("encode")
        started = time.perf_counter()
        crops = torch.stack([face.crop for face in faces]).to(self.device)
        latents = self.codec.encode(crops * 2 - 1)
        timings["encode"] = time.perf_counter() - started

        progress("transport")
        started = time.perf_counter()
        params = self.transports[direction]
        gain = self.gain(direction)
        source = self._transport_part(latents)
        variant_latents = []  # per variant: (faces, latent_dim)
        journey_latents: list[torch.Tensor] = []
        for variant in range(variants):
            generator = torch.Generator(device=self.device).manual_seed(seed + variant)
            endpoint = lightsb.sample_conditional(params, source, generator)
            if strength >= 1.0 and not (variant == 0 and journey_frames):
                moved = endpoint
            else:
                path = lightsb.bridge_path(source, endpoint, params.epsilon, generator=generator)
                moved = lightsb.path_at(path, strength)
                if variant == 0 and journey_frames:
                    journey_latents = [
                        self._with_transport_part(
                            latents, self._amplify(source, lightsb.path_at(path, float(t)), gain)
                        )
                        for t in np.linspace(0.0, strength, journey_frames)
                    ]
            variant_latents.append(
                self._with_transport_part(latents, self._amplify(source, moved, gain))
            )
        timings["transport"] = time.perf_counter() - started

        progress("decode")
        started = time.perf_counter()
        all_latents = torch.cat(variant_latents + journey_latents)
        repeated = latents.repeat(len(variant_latents) + len(journey_latents), 1)
        if fidelity:
            changes = self.codec.decode_difference(all_latents, repeated) / 2
        else:
            decoded = (self.codec.decode(all_latents) + 1) / 2
            changes = decoded - crops.repeat(len(variant_latents) + len(journey_latents), 1, 1, 1)
        timings["decode_latent"] = time.perf_counter() - started

        started = time.perf_counter()
        if fidelity:
            changes = self._keep_skin_tone(changes, faces)
        timings["fidelity"] = time.perf_counter() - started

        progress("composite")
        started = time.perf_counter()
        changes = changes.float().cpu().reshape(-1, len(faces), *changes.shape[1:])
        photo = rgb.astype(np.float32)
        outputs = []
        for variant in range(variants):
            composite, face_crops = self._compose(photo, faces, changes[variant])
            outputs.append(
                VariantOutput(
                    index=variant, seed=seed + variant, composite=composite, crops=face_crops
                )
            )
        journey = []
        if journey_frames:
            journey_faces = faces[:1]
            for frame in range(journey_frames):
                composite, _ = self._compose(
                    photo, journey_faces, changes[variants + frame][:1], with_crops=False
                )
                journey.append(composite)
        input_crops = [(face.index, _to_image(face.display_crop)) for face in faces]
        timings["composite"] = time.perf_counter() - started
        timings["total"] = time.perf_counter() - total_started
        progress("done")
        return TranslationResult(
            seed=seed,
            direction=direction,
            strength=float(strength),
            faces=[
                FaceInfo(index=face.index, box=face.detected.box, size_px=face.detected.size_px)
                for face in faces
            ],
            variants=outputs,
            input_crops=input_crops,
            journey=journey,
            timings=timings,
        )

    # -- stages -----------------------------------------------------------------------------
    def _check_settings(self, direction, variants, strength, journey_frames, face_index) -> None:
        if direction not in self.transports:
            raise InvalidSettings(
                f"Unknown direction {direction!r}; choose one of {', '.join(DIRECTIONS)}."
            )
        if not isinstance(variants, int) or not 1 <= variants <= MAX_VARIANTS:
            raise InvalidSettings(f"Variants must be between 1 and {MAX_VARIANTS}.")
        if not 0.0 <= float(strength) <= 1.0:
            raise InvalidSettings("Strength must be between 0 and 1.")
        if journey_frames and not 2 <= journey_frames <= MAX_JOURNEY_FRAMES:
            raise InvalidSettings(
                f"Journey frames must be 0 or between 2 and {MAX_JOURNEY_FRAMES}."
            )
        if face_index is not None and not 0 <= face_index < MAX_FACES:
            raise InvalidSettings(f"Face index must be between 0 and {MAX_FACES - 1}.")

    def _find_faces(self, rgb: np.ndarray, face_index: int | None) -> list[_Face]:
        detected = detect.detect_faces(rgb)
        if not detected:
            raise NoFaceFound(min_face_px=MIN_FACE_PX)
        large = [face for face in detected if face.size_px >= MIN_FACE_PX]
        if not large:
            raise FaceTooSmall(found_px=detected[0].size_px, needed_px=MIN_FACE_PX)
        faces = [_Face(index, face) for index, face in enumerate(large[:MAX_FACES])]
        if face_index is not None:
            if face_index >= len(faces):
                raise InvalidSettings(
                    f"There is no face {face_index}; this photo has {len(faces)} (numbered from 0)."
                )
            faces = [faces[face_index]]
        return faces

    def _align(self, rgb: np.ndarray, face: _Face) -> None:
        landmarks = face.detected.landmarks + 0.5  # pixel indices -> continuous centres
        face.photo_to_crop = align.estimate_similarity(landmarks, self.template)
        face.crop = align.extract_crop(rgb, face.photo_to_crop, self.resolution, self.resolution)
        face.display_crop = align.extract_crop(
            rgb, face.photo_to_crop, self.resolution, CROP_OUTPUT_SIZE
        )
        in_crop = align.apply(face.photo_to_crop, landmarks)
        face.mask = align.face_mask(in_crop, self.resolution)
        face.skin = align.skin_region(in_crop, self.resolution)

    def _keep_skin_tone(self, changes: torch.Tensor, faces: list[_Face]) -> torch.Tensor:
        adjusted = []
        for row, change in enumerate(changes):
            face = faces[row % len(faces)]
            crop = face.crop.to(change)
            output = (crop + change).clamp(0, 1)
            matched = match_region_colour(output, crop, face.skin.to(change))
            adjusted.append(matched - crop)
        return torch.stack(adjusted)

    def _compose(
        self,
        photo: np.ndarray,
        faces: list[_Face],
        changes: torch.Tensor,
        *,
        with_crops: bool = True,
    ):
        canvas = photo.copy()
        crops = []
        for face, change in zip(faces, changes, strict=True):
            align.paste_delta(canvas, change, face.mask, face.photo_to_crop, self.resolution)
            if with_crops:
                upsampled = torch.nn.functional.interpolate(
                    (change * face.mask[..., None]).permute(2, 0, 1)[None],
                    size=(CROP_OUTPUT_SIZE, CROP_OUTPUT_SIZE),
                    mode="bilinear",
                    align_corners=False,
                )[0].permute(1, 2, 0)
                crops.append((face.index, _to_image((face.display_crop + upsampled).clamp(0, 1))))
        return Image.fromarray(np.rint(canvas).astype(np.uint8)), crops


def _to_rgb_array(image: Image.Image) -> np.ndarray:
    if not isinstance(image, Image.Image):
        raise InvalidImage("Expected an image.")
    if image.width * image.height > MAX_PIXELS:
        raise InvalidImage(
            f"The image is too large ({image.width}x{image.height}); the limit is "
            f"{MAX_PIXELS // 1_000_000} megapixels."
        )
    try:
        image.load()
        upright = ImageOps.exif_transpose(image)
        return np.asarray(upright.convert("RGB"))
    except (OSError, ValueError, SyntaxError) as error:
        raise InvalidImage("We couldn't read that file as an image.") from error


def _to_image(crop: torch.Tensor) -> Image.Image:
    return Image.fromarray(np.rint(crop.cpu().numpy() * 255).astype(np.uint8))


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

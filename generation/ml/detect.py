"""Face detection and 68-point landmarks with dlib.

HOG runs on a downscaled copy (boxes are mapped back) because HOG time grows with the pixel
count; the CNN (MMOD) detector is the fallback when HOG finds nothing. Landmarks run on the full
resolution image. dlib objects are not documented as thread-safe, so every call holds a lock.
"""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

DETECT_MIN_SIDE = 480
DETECT_MAX_SIDE = 1200
MMOD_MAX_SIDE = 640
# One upsampling step makes HOG fire on suit folds and hair at scores near 0; real faces in our
# test photos score above 1, so weak detections are dropped.
HOG_MIN_SCORE = 0.3
_dlib_lock = threading.RLock()


def models_dir() -> Path:
    # face_recognition_models' __init__ imports pkg_resources, which modern setuptools dropped,
    # so we find the package folder without importing it.
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("face_recognition_models is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


@cache
def _hog():
    import dlib

    return dlib.get_frontal_face_detector()


@cache
def _mmod():
    import dlib

    return dlib.cnn_face_detection_model_v1(str(models_dir() / "mmod_human_face_detector.dat"))


@cache
def _predictor():
    import dlib

    return dlib.shape_predictor(str(models_dir() / "shape_predictor_68_face_landmarks.dat"))


@cache
def _recognizer():
    import dlib

    return dlib.face_recognition_model_v1(
        str(models_dir() / "dlib_face_recognition_resnet_model_v1.dat")
    )


def warm_up() -> None:
    """Load the detectors used on every request (MMOD loads lazily on first fallback)."""
    with _dlib_lock:
        _hog()
        _predictor()


@dataclass(frozen=True)
class DetectedFace:
    box: tuple[int, int, int, int]  # left, top, right, bottom in full-resolution pixels
    landmarks: np.ndarray  # (68, 2) float64, x/y in full-resolution pixels

    @property
    def size_px(self) -> int:
        return round(self.box[2] - self.box[0])


def _downscaled(rgb: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    height, width = rgb.shape[:2]
    scale = min(1.0, max_side / max(height, width))
    if scale >= 1.0:
        return rgb, 1.0
    from PIL import Image

    small = Image.fromarray(rgb).resize(
        (max(1, round(width * scale)), max(1, round(height * scale))), Image.Resampling.BILINEAR
    )
    return np.asarray(small), scale


def detection_side(longest_side: int) -> int:
    """Side to run HOG on, with one upsampling step, so that faces of MIN_FACE_PX in the photo
    are still at least HOG's 40 px there (capped for very large photos to bound the time)."""
    if longest_side <= DETECT_MIN_SIDE:
        return longest_side
    return int(min(max(DETECT_MIN_SIDE, longest_side // 2), DETECT_MAX_SIDE))


def detect_boxes(rgb: np.ndarray, *, max_side: int | None = None) -> list[tuple]:
    """Face boxes (left, top, right, bottom) in full-resolution pixels, unsorted."""
    import dlib

    side = max_side or detection_side(max(rgb.shape[:2]))
    small, scale = _downscaled(rgb, side)
    with _dlib_lock:
        found, scores, _ = _hog().run(small, 1, 0.0)
        rects = [rect for rect, score in zip(found, scores, strict=True) if score >= HOG_MIN_SCORE]
        if not rects:
            mmod_input, mmod_scale = _downscaled(small, MMOD_MAX_SIDE)
            rects = [
                dlib.rectangle(
                    round(found.rect.left() / mmod_scale),
                    round(found.rect.top() / mmod_scale),
                    round(found.rect.right() / mmod_scale),
                    round(found.rect.bottom() / mmod_scale),
                )
                for found in _mmod()(mmod_input, 1 if max(mmod_input.shape) < 400 else 0)
            ]
    return [
        (rect.left() / scale, rect.top() / scale, rect.right() / scale, rect.bottom() / scale)
        for rect in rects
    ]


def landmarks_for_box(rgb: np.ndarray, box: tuple) -> np.ndarray:
    import dlib

    rect = dlib.rectangle(*(round(v) for v in box))
    with _dlib_lock:
        shape = _predictor()(rgb, rect)
    return np.array([(point.x, point.y) for point in shape.parts()], dtype=np.float64)


def detect_faces(rgb: np.ndarray, *, max_side: int | None = None) -> list[DetectedFace]:
    """All faces with landmarks, largest first."""
    faces = []
    for box in detect_boxes(rgb, max_side=max_side):
        landmarks = landmarks_for_box(rgb, box)
        faces.append(DetectedFace(box=tuple(round(v) for v in box), landmarks=landmarks))
    faces.sort(key=lambda face: -face.size_px)
    return faces


def face_descriptor(rgb: np.ndarray, box: tuple) -> np.ndarray:
    """dlib's 128-d identity descriptor (used by the evaluation, not by translation)."""
    import dlib

    rect = dlib.rectangle(*(round(v) for v in box))
    with _dlib_lock:
        shape = _predictor()(rgb, rect)
        return np.array(_recognizer().compute_face_descriptor(rgb, shape), dtype=np.float64)

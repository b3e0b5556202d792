"""The shape + texture latent space (Active Appearance Model style) that LightSB moves in.

A face becomes two things:

- its **shape**: the dense landmarks, similarity-aligned onto the mean shape, as PCA coefficients
  (proportions: jaw width, face length, forehead height, eye and mouth size);
- its **texture**: the photo warped piecewise-affinely onto the mean shape (a "shape-free" face,
  where every feature sits at the same place for everyone), as PCA coefficients of luma at 128 px
  and chroma at 64 px.

This module is the one small interface between the photo and the latent: :meth:`measure` turns a
detected face into a :class:`FaceMeasure`, :meth:`transport_vector` gives LightSB its whitened
coordinates, :meth:`shape_in_photo` and :meth:`texture_change` turn moved coordinates back into
landmark positions and a texture difference. A learned decoder can replace the texture part (the
``texture`` codec) without touching detection, shape, transport or rendering.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageFilter

from . import shape as shapes
from .codec import PcaCodec
from .warp import Mesh, sample

FRAME_SIZE = 128
BAND_SIGMA = 10.0  # frame px: slower texture changes (lighting, skin tone) are dropped
FRAME_FILL = 0.40  # the mean shape's largest radius, as a fraction of the frame's side
ANCHORS = np.array(
    [[-2, -2], [64, -2], [130, -2], [-2, 64], [130, 64], [-2, 130], [64, 130], [130, 130]],
    dtype=np.float64,
)


@dataclass
class FaceMeasure:
    """One face as the latent space sees it."""

    dense: np.ndarray  # (73, 2) photo pixels
    to_model: np.ndarray  # 2x3 similarity, photo -> mean-shape units
    shape: np.ndarray  # (k_shape,) whitened shape coefficients
    texture: torch.Tensor  # (FRAME_SIZE, FRAME_SIZE, 3) shape-free face, RGB in [0, 1]
    texture_latent: torch.Tensor  # (k_luma + k_chroma,) whitened


@dataclass
class ShapeTextureSpace:
    shape_model: shapes.ShapeModel
    texture_codec: PcaCodec
    triangles: np.ndarray  # (T, 3) over the 73 dense points and the 8 frame anchors
    texture_mask: torch.Tensor  # (FRAME_SIZE, FRAME_SIZE) where the texture is the face
    texture_mean: torch.Tensor  # (FRAME_SIZE, FRAME_SIZE, 3) RGB [0, 1], fills outside the mask
    transport_luma: int
    transport_chroma: int

    def __post_init__(self) -> None:
        self.frame_points = frame_points(self.shape_model.mean)
        self.mesh = Mesh.build(self.frame_points, self.triangles, FRAME_SIZE)
        self._change_basis: torch.Tensor | None = None

    def change_basis(self) -> torch.Tensor:
        """(transported texture coordinates, S*S*3): what one whitened unit of each transported
        coordinate changes in the shape-free face, band-limited (``band_limit``). The band limit
        is linear, so it is applied once to the basis instead of to every change."""
        if self._change_basis is None:
            count = self.transport_luma + self.transport_chroma
            units = torch.eye(count)
            maps = self._texture_difference(units)
            maps = band_limit(maps, self.texture_mask, BAND_SIGMA)
            maps = maps * skin_only(self.frame_points[:73])[None, ..., None]
            self._change_basis = maps.reshape(count, -1).contiguous()
        return self._change_basis

    # -- layout of the transport vector -----------------------------------------------------
    @property
    def shape_dim(self) -> int:
        return self.shape_model.components

    @property
    def transport_dim(self) -> int:
        return self.shape_dim + self.transport_luma + self.transport_chroma

    def transport_vector(self, measure: FaceMeasure) -> torch.Tensor:
        """[shape, leading luma, leading chroma] whitened coordinates, (transport_dim,)."""
        luma = self.texture_codec.luma_components
        latent = measure.texture_latent
        return torch.cat(
            [
                torch.from_numpy(measure.shape).float(),
                latent[: self.transport_luma],
                latent[luma : luma + self.transport_chroma],
            ]
        )

    # -- photo -> latent --------------------------------------------------------------------
    def frame_to_photo(self, dense: np.ndarray, to_model: np.ndarray) -> np.ndarray:
        """Photo positions of the mesh's vertices (the dense points and the frame anchors)."""
        to_photo = shapes.invert(to_model)
        anchors_model = (ANCHORS - FRAME_SIZE / 2) / frame_scale(self.shape_model.mean)
        return np.vstack([dense, shapes.apply(to_photo, anchors_model)])

    def photo_to_frame(self, to_model: np.ndarray) -> np.ndarray:
        """2x3 similarity from photo pixels to texture-frame pixels."""
        scale = frame_scale(self.shape_model.mean)
        return np.vstack([to_model * scale, [0, 0, 1]])[:2] + np.array(
            [[0, 0, FRAME_SIZE / 2], [0, 0, FRAME_SIZE / 2]]
        )

    def measure(self, rgb: np.ndarray, landmarks: np.ndarray) -> FaceMeasure:
        dense = shapes.dense_landmarks(landmarks)
        aligned, to_model = self.shape_model.align(dense)
        texture = self.shape_free_texture(rgb, self.frame_to_photo(dense, to_model), to_model)
        return FaceMeasure(
            dense=dense,
            to_model=to_model,
            shape=self.shape_model.encode(aligned),
            texture=texture,
            texture_latent=self.encode_textures(texture[None])[0],
        )

    def shape_free_texture(
        self, rgb: np.ndarray, vertices: np.ndarray, to_model: np.ndarray
    ) -> torch.Tensor:
        """The face warped onto the mean shape, (FRAME_SIZE, FRAME_SIZE, 3) in [0, 1]."""
        positions = self.mesh.positions(vertices)
        left, top = np.floor(positions.min(0)).astype(int) - 2
        right, bottom = np.ceil(positions.max(0)).astype(int) + 2
        height, width = rgb.shape[:2]
        left, top = max(left, 0), max(top, 0)
        right, bottom = min(max(right, left + 1), width), min(max(bottom, top + 1), height)
        region = rgb[top:bottom, left:right]
        # Photo pixels per frame pixel: antialias by downscaling first when the face is large.
        factor = 1.0 / (shapes.scale_of(to_model) * frame_scale(self.shape_model.mean))
        if factor > 1.5:
            size = (
                max(1, round(region.shape[1] / factor)),
                max(1, round(region.shape[0] / factor)),
            )
            region = np.asarray(Image.fromarray(region).resize(size, Image.Resampling.BOX))
        scale_x = region.shape[1] / (right - left)
        scale_y = region.shape[0] / (bottom - top)
        local = (positions - [left, top]) * [scale_x, scale_y]
        image = torch.from_numpy(np.array(region)).permute(2, 0, 1).float() / 255
        values = sample(image, torch.from_numpy(local).float(), region.shape[0], region.shape[1])
        return values.T.reshape(FRAME_SIZE, FRAME_SIZE, 3)

    def encode_textures(self, textures: torch.Tensor) -> torch.Tensor:
        """(N, S, S, 3) shape-free faces in [0, 1] -> whitened texture latents."""
        mask = self.texture_mask[None, ..., None]
        filled = textures * mask + self.texture_mean[None] * (1 - mask)
        return self.texture_codec.encode(filled * 2 - 1)

    # -- latent -> photo --------------------------------------------------------------------
    def shape_in_photo(self, shape: np.ndarray, to_model: np.ndarray) -> np.ndarray:
        """Dense landmarks (73, 2) in photo pixels for whitened shape coefficients, placed with
        the input face's own position, size and rotation."""
        return shapes.apply(shapes.invert(to_model), self.shape_model.decode(shape))

    def texture_change(self, moved: torch.Tensor, source: torch.Tensor) -> torch.Tensor:
        """Band-limited texture difference (N, S, S, 3) in [-1, 1] units for moved minus source
        transport vectors (N, transport_dim)."""
        difference = (moved[:, self.shape_dim :] - source[:, self.shape_dim :]).float()
        flat = difference @ self.change_basis()
        return flat.reshape(len(moved), FRAME_SIZE, FRAME_SIZE, 3)

    def _texture_difference(self, difference: torch.Tensor) -> torch.Tensor:
        """The codec's decoding of a difference of transported coordinates (no band limit)."""
        codec = self.texture_codec
        full = torch.zeros(len(difference), codec.latent_dim, dtype=difference.dtype)
        full[:, : self.transport_luma] = difference[:, : self.transport_luma]
        luma = codec.luma_components
        full[:, luma : luma + self.transport_chroma] = difference[:, self.transport_luma :]
        return codec.decode_difference(full, torch.zeros_like(full)) / 2


def frame_scale(mean_shape: np.ndarray) -> float:
    """Frame pixels per mean-shape unit."""
    return FRAME_FILL * FRAME_SIZE / float(np.linalg.norm(mean_shape, axis=1).max())


def frame_points(mean_shape: np.ndarray) -> np.ndarray:
    """The mesh's vertices in the texture frame: the mean dense shape, then the anchors."""
    return np.vstack([mean_shape * frame_scale(mean_shape) + FRAME_SIZE / 2, ANCHORS])


def outline(dense: np.ndarray) -> np.ndarray:
    """The face's outline polygon: the jaw, then the forehead points from right to left."""
    return np.vstack([dense[0:17], dense[68:73][::-1]])


def texture_mask(mean_shape: np.ndarray) -> torch.Tensor:
    """Where the shape-free texture is face: inside the outline, feathered, fading out over the
    upper forehead (often hair, which the texture must not repaint)."""
    points = frame_points(mean_shape)[:73]
    scale = 4
    canvas = Image.new("L", (FRAME_SIZE * scale, FRAME_SIZE * scale), 0)
    ImageDraw.Draw(canvas).polygon([tuple(p * scale) for p in outline(points)], fill=255)
    canvas = canvas.resize((FRAME_SIZE, FRAME_SIZE), Image.Resampling.BOX)
    canvas = canvas.filter(ImageFilter.GaussianBlur(radius=FRAME_SIZE * 0.02))
    mask = torch.from_numpy(np.asarray(canvas, dtype=np.float32) / 255)
    brow = float(points[17:27, 1].mean())
    top = float(points[68:73, 1].min())
    rows = torch.arange(FRAME_SIZE, dtype=torch.float32) + 0.5
    fade = ((rows - top) / max(brow - top, 1.0)).clamp(0, 1)
    return mask * fade[:, None]


def skin_only(dense: np.ndarray) -> torch.Tensor:
    """1 on the face's skin, 0 over the eyes, brows and lips (feathered): a texture change
    there would add the mean face's features beside the person's own (doubled brows)."""
    from .render import feature_holes

    scale = 4
    canvas = Image.new("L", (FRAME_SIZE * scale, FRAME_SIZE * scale), 255)
    draw = ImageDraw.Draw(canvas)
    for hole in feature_holes(dense):
        draw.polygon([tuple(p * scale) for p in hole], fill=0)
    canvas = canvas.resize((FRAME_SIZE, FRAME_SIZE), Image.Resampling.BOX)
    canvas = canvas.filter(ImageFilter.GaussianBlur(radius=FRAME_SIZE * 0.02))
    return torch.from_numpy(np.asarray(canvas, dtype=np.float32) / 255)


def band_limit(change: torch.Tensor, mask: torch.Tensor, sigma: float) -> torch.Tensor:
    """Remove the change's slow part (lighting, skin tone) and its mean over the face: what
    remains is the structure of the new attribute in the new shape, on the person's own skin."""
    channels = change.permute(0, 3, 1, 2)
    radius = int(3 * sigma)
    taps = torch.arange(-radius, radius + 1, dtype=change.dtype)
    kernel = torch.exp(-(taps**2) / (2 * sigma**2))
    kernel = kernel / kernel.sum()
    weight = mask[None, None].to(change.dtype)
    numerator = _blur(channels * weight, kernel)
    denominator = _blur(weight.expand(len(change), 1, *mask.shape), kernel).clamp(min=1e-3)
    slow = numerator / denominator
    fast = (channels - slow) * weight
    mean = (fast * weight).sum((2, 3), keepdim=True) / weight.sum().clamp(min=1e-6)
    return ((fast - mean) * weight).permute(0, 2, 3, 1)


def _blur(images: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    channels = images.shape[1]
    radius = len(kernel) // 2
    horizontal = kernel.view(1, 1, 1, -1).repeat(channels, 1, 1, 1)
    vertical = kernel.view(1, 1, -1, 1).repeat(channels, 1, 1, 1)
    padded = F.pad(images, (radius, radius, 0, 0), mode="replicate")
    images = F.conv2d(padded, horizontal, groups=channels)
    padded = F.pad(images, (0, 0, radius, radius), mode="replicate")
    return F.conv2d(padded, vertical, groups=channels)

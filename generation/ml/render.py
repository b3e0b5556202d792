"""Rendering an edit into the photo itself, at the photo's own resolution.

For each face:

1. **Geometry**: a thin-plate spline takes the translated landmarks back to the input's, with a
   ring of points well outside the face pinned in place. It is evaluated on a coarse grid over the
   ring's bounding box, multiplied by a radial feather that is exactly zero from 97 % of the ring's
   radius outwards, upsampled, and used to resample the photo. So the face's own pixels move (jaw,
   chin, eyes, forehead); nothing outside the feather changes, and there is no box or seam.
2. **Texture**: the band-limited texture change (in the mean-shape frame) is mapped into the *new*
   shape with a second spline and added, so features line up with the moved face (no doubling).
3. **Skin**: optional clean-ups that the linear texture cannot express: a beard replaced by the
   person's own skin (male -> female), a stubble shadow with real grain (female -> male), and skin
   smoothing (children).

Photos are uint8 RGB; work happens in float32 on each face's region only, and the photo
outside each face's feather is never touched.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw

from . import shape as shapes
from .warp import ThinPlateSpline, upsample_field

FEATHER_INNER = 0.70  # fraction of the ring radius where the edit starts to fade
FEATHER_OUTER = 0.97  # ... and where it is exactly zero
GRID_CELLS = 32  # coarse grid nodes across the ring's diameter (the field is smooth)


@dataclass
class FaceEdit:
    source: np.ndarray  # (73, 2) dense landmarks in the photo
    target: np.ndarray  # (73, 2) where they should move
    texture: torch.Tensor | None  # (S, S, 3) change in the mean-shape frame, [-1, 1] units
    frame_dense: np.ndarray  # (73, 2) the mean shape's dense points in that frame
    to_frame: np.ndarray  # 2x3 similarity, photo -> that frame, for the input face
    beard_removal: float = 0.0  # 0..1
    stubble: float = 0.0  # 0..1
    smoothing: float = 0.0  # 0..1
    lip_tone: float = 0.0  # 0..1: lip colour moved toward the skin's (no lipstick)
    seed: int = 0


@dataclass
class Region:
    left: int
    top: int
    right: int
    bottom: int

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def width(self) -> int:
        return self.right - self.left


def face_width(dense: np.ndarray) -> float:
    return float(np.linalg.norm(dense[16] - dense[0]))


def edit_region(source: np.ndarray, photo_shape: tuple[int, ...]) -> tuple[Region, np.ndarray]:
    """The ring's bounding box in the photo (clipped) and the ring itself."""
    pinned = shapes.ring(source)
    height, width = photo_shape[:2]
    left = int(np.clip(np.floor(pinned[:, 0].min()), 0, width - 1))
    top = int(np.clip(np.floor(pinned[:, 1].min()), 0, height - 1))
    right = int(np.clip(np.ceil(pinned[:, 0].max()) + 1, left + 1, width))
    bottom = int(np.clip(np.ceil(pinned[:, 1].max()) + 1, top + 1, height))
    return Region(left, top, right, bottom), pinned


def feather(points: np.ndarray, pinned: np.ndarray) -> np.ndarray:
    """1 near the face, smoothly down to exactly 0 at FEATHER_OUTER of the ring's radius."""
    centre = pinned.mean(0)
    radius = float(np.linalg.norm(pinned - centre, axis=1).mean())
    r = np.linalg.norm(points - centre, axis=1) / radius
    return _smoothstep((FEATHER_OUTER - r) / (FEATHER_OUTER - FEATHER_INNER))


def _smoothstep(t):
    t = t.clip(0.0, 1.0)
    return t * t * (3 - 2 * t)


def pixel_feather(region: Region, pinned: np.ndarray) -> torch.Tensor:
    """The feather at every pixel centre of the region (exact, not interpolated, so it is zero
    at every pixel beyond FEATHER_OUTER)."""
    centre = pinned.mean(0)
    radius = float(np.linalg.norm(pinned - centre, axis=1).mean())
    xs = (torch.arange(region.left, region.right, dtype=torch.float64) + 0.5 - centre[0]) / radius
    ys = (torch.arange(region.top, region.bottom, dtype=torch.float64) + 0.5 - centre[1]) / radius
    r = torch.sqrt(ys[:, None] ** 2 + xs[None, :] ** 2)
    return _smoothstep((FEATHER_OUTER - r) / (FEATHER_OUTER - FEATHER_INNER)).float()


def render(photo: np.ndarray, edits: list[FaceEdit]) -> np.ndarray:
    """A new uint8 photo with every edit applied (faces in order); (H, W, 3) in and out."""
    return PhotoRenderer(photo).render(edits)


@dataclass
class _FaceContext:
    """What stays the same for one face across variants: its region, the coarse grid, the
    feather and the photo's pixels there as floats."""

    region: Region
    outer: Region
    pinned: np.ndarray
    nodes: np.ndarray
    rows: int
    columns: int
    node_weight: np.ndarray
    feather: torch.Tensor  # (h, w) per pixel
    untouched: torch.Tensor  # (h, w) bool: feather is exactly zero
    source: torch.Tensor  # (3, outer h, outer w) float32
    original: torch.Tensor  # (3, h, w) float32 view of ``source``
    border_limit: np.ndarray  # per node: how far a pixel may be pulled (half the border gap)


class PhotoRenderer:
    """Renders edits of the same faces into one photo again and again (variants): the work
    that does not depend on the edit is done once per face."""

    def __init__(self, photo: np.ndarray) -> None:
        self.photo = np.ascontiguousarray(photo, dtype=np.uint8)
        self._contexts: dict[bytes, _FaceContext] = {}

    def render(self, edits: list[FaceEdit]) -> np.ndarray:
        canvas = self.photo.copy()
        for edit in edits:
            self._render_face(canvas, edit)
        return canvas

    def _context(self, source: np.ndarray) -> _FaceContext:
        key = source.tobytes()
        if key not in self._contexts:
            self._contexts[key] = self._build_context(source)
        return self._contexts[key]

    def _build_context(self, source_points: np.ndarray) -> _FaceContext:
        region, pinned = edit_region(source_points, self.photo.shape)
        height, width = self.photo.shape[:2]
        step = max(1.0, max(region.width, region.height) / GRID_CELLS)
        columns = max(2, int(np.ceil((region.width - 1) / step)) + 1)
        rows = max(2, int(np.ceil((region.height - 1) / step)) + 1)
        xs = np.linspace(region.left + 0.5, region.right - 0.5, columns)
        ys = np.linspace(region.top + 0.5, region.bottom - 0.5, rows)
        grid_x, grid_y = np.meshgrid(xs, ys)
        nodes = np.stack([grid_x.ravel(), grid_y.ravel()], 1)
        border = np.minimum.reduce(
            [nodes[:, 0], width - nodes[:, 0], nodes[:, 1], height - nodes[:, 1]]
        )
        # The largest pull anywhere is bounded by the face's size; sample from the region plus
        # that margin so a pulled pixel is always there.
        margin = int(np.ceil(0.25 * face_width(source_points))) + 2
        outer = Region(
            max(region.left - margin, 0),
            max(region.top - margin, 0),
            min(region.right + margin, width),
            min(region.bottom + margin, height),
        )
        source = torch.from_numpy(
            self.photo[outer.top : outer.bottom, outer.left : outer.right].astype(np.float32)
        ).permute(2, 0, 1)
        inner_top, inner_left = region.top - outer.top, region.left - outer.left
        feather_weight = pixel_feather(region, pinned)
        return _FaceContext(
            region=region,
            outer=outer,
            pinned=pinned,
            nodes=nodes,
            rows=rows,
            columns=columns,
            node_weight=feather(nodes, pinned),
            feather=feather_weight,
            untouched=feather_weight <= 0,
            source=source,
            original=source[
                :, inner_top : inner_top + region.height, inner_left : inner_left + region.width
            ],
            border_limit=np.minimum(np.maximum(border, 0) * 0.5, margin - 2),
        )

    def _render_face(self, canvas: np.ndarray, edit: FaceEdit) -> None:
        context = self._context(edit.source)
        region, outer, pinned = context.region, context.outer, context.pinned
        # One spline, two maps from the new shape: back to the input photo (the warp) and into
        # the texture frame (where the texture change lives); the ring is pinned in both.
        frame_ring = shapes.apply(edit.to_frame, pinned)
        spline = ThinPlateSpline.fit(
            np.vstack([edit.target, pinned]),
            np.hstack(
                [np.vstack([edit.source, pinned]), np.vstack([edit.frame_dense, frame_ring])]
            ),
        )
        mapped = spline(context.nodes)
        displacement = mapped[:, :2] - context.nodes
        # Never pull pixels from beyond the photo (or the sampled margin).
        length = np.linalg.norm(displacement, axis=1) * context.node_weight
        too_far = length > context.border_limit
        displacement[too_far] *= (
            context.border_limit[too_far] / np.maximum(length[too_far], 1e-9)
        )[:, None]
        fields = [displacement.reshape(context.rows, context.columns, 2)]
        if edit.texture is not None:
            size = edit.texture.shape[0]
            frame = mapped[:, 2:] / size * 2 - 1  # grid_sample's normalised frame coordinates
            fields.append(frame.reshape(context.rows, context.columns, 2))
        # The feather is applied per pixel after upsampling (exact zero beyond the region).
        dense_fields = upsample_field(np.concatenate(fields, axis=2), region.height, region.width)
        feather_weight = context.feather
        pixel_x = torch.arange(region.left, region.right, dtype=torch.float32) + 0.5
        pixel_y = torch.arange(region.top, region.bottom, dtype=torch.float32) + 0.5
        source_x = (pixel_x[None, :] + dense_fields[..., 0] * feather_weight - outer.left) * (
            2 / outer.width
        ) - 1
        source_y = (pixel_y[:, None] + dense_fields[..., 1] * feather_weight - outer.top) * (
            2 / outer.height
        ) - 1
        grid = torch.stack([source_x, source_y], -1)
        # Bicubic keeps the photo's own detail (bilinear softens every sub-pixel shift).
        warped = F.grid_sample(
            context.source[None],
            grid[None],
            mode="bicubic",
            padding_mode="border",
            align_corners=False,
        )[0]
        if edit.texture is not None:
            change = F.grid_sample(
                edit.texture.permute(2, 0, 1)[None].float(),
                dense_fields[..., 2:4][None],
                mode="bilinear",
                padding_mode="zeros",
                align_corners=False,
            )[0]
            warped.add_(change.mul_(feather_weight[None] * 127.5))

        local = edit.target - [region.left, region.top]
        if edit.beard_removal > 0 or edit.stubble > 0 or edit.smoothing > 0 or edit.lip_tone > 0:
            warped = _skin_edits(warped, local, edit, feather_weight)
        # Where the feather is zero the photo is copied, not resampled: bit-identical outside.
        result = warped.round_().clamp_(0, 255)
        result[:, context.untouched] = context.original[:, context.untouched]
        canvas[region.top : region.bottom, region.left : region.right] = (
            result.to(torch.uint8).permute(1, 2, 0).numpy()
        )


# -- skin edits ------------------------------------------------------------------------------
def _polygon_mask(shape: tuple[int, int], polygons: list[np.ndarray], holes=()) -> np.ndarray:
    canvas = Image.new("L", (shape[1], shape[0]), 0)
    draw = ImageDraw.Draw(canvas)
    for polygon in polygons:
        draw.polygon([tuple(p) for p in polygon], fill=255)
    for hole in holes:
        draw.polygon([tuple(p) for p in hole], fill=0)
    return np.asarray(canvas, dtype=np.float32) / 255


def _grow(polygon: np.ndarray, factor: float) -> np.ndarray:
    centre = polygon.mean(0)
    return centre + (polygon - centre) * factor


def _gaussian(image: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of (C, H, W), edges normalised (no darkening at the border);
    wider blurs run on a downsampled copy, since their result is smooth anyway."""
    sigma = max(sigma, 0.3)
    factor = int(sigma / 1.5)
    if factor >= 2:
        height, width = image.shape[1:]
        small = F.avg_pool2d(image[None], factor, ceil_mode=True)[0]
        blurred = _gaussian(small, sigma / factor)
        return F.interpolate(
            blurred[None], size=(height, width), mode="bilinear", align_corners=False
        )[0]
    radius = max(1, int(3 * sigma))
    taps = torch.arange(-radius, radius + 1, dtype=image.dtype)
    kernel = torch.exp(-(taps**2) / (2 * sigma**2))
    kernel = kernel / kernel.sum()
    channels = image.shape[0]
    stacked = torch.cat([image, torch.ones_like(image[:1])])[None]
    horizontal = kernel.view(1, 1, 1, -1).repeat(channels + 1, 1, 1, 1)
    vertical = kernel.view(1, 1, -1, 1).repeat(channels + 1, 1, 1, 1)
    out = F.conv2d(stacked, horizontal, padding=(0, radius), groups=channels + 1)
    out = F.conv2d(out, vertical, padding=(radius, 0), groups=channels + 1)[0]
    return out[:channels] / out[channels:].clamp(min=1e-6)


def feature_holes(dense: np.ndarray) -> list[np.ndarray]:
    """Eyes, brows and lips, slightly grown: skin edits never touch them."""
    return [
        _grow(dense[36:42], 1.6),
        _grow(dense[42:48], 1.6),
        _grow(
            np.vstack([dense[17:22], dense[21:16:-1] + np.array([0, 0.04 * face_width(dense)])]),
            1.35,
        ),
        _grow(
            np.vstack([dense[22:27], dense[26:21:-1] + np.array([0, 0.04 * face_width(dense)])]),
            1.35,
        ),
        _grow(dense[48:60], 1.15),
    ]


def lower_face(dense: np.ndarray) -> np.ndarray:
    """Where a beard grows: along the jaw from ear to ear, up to the nose and the cheeks."""
    cheek_left = (dense[1] + dense[31]) / 2
    cheek_right = (dense[15] + dense[35]) / 2
    return np.vstack([dense[2:15], cheek_right, dense[35], dense[33], dense[31], cheek_left])


def _skin_edits(
    region: torch.Tensor, dense: np.ndarray, edit: FaceEdit, feather_weight: torch.Tensor
) -> torch.Tensor:
    """Skin edits on the face's own box inside the (3, H, W) region; the rest is left as is."""
    width = face_width(dense)
    outline = np.vstack([dense[0:17], dense[68:73][::-1]])
    margin = 0.1 * width
    height_px, width_px = region.shape[1:]
    left = int(np.clip(outline[:, 0].min() - margin, 0, width_px - 1))
    top = int(np.clip(outline[:, 1].min() - margin, 0, height_px - 1))
    right = int(np.clip(outline[:, 0].max() + margin, left + 1, width_px))
    bottom = int(np.clip(outline[:, 1].max() + margin, top + 1, height_px))
    local = dense - [left, top]
    size = (bottom - top, right - left)
    holes = feature_holes(local)
    image = region[:, top:bottom, left:right]
    face = torch.from_numpy(_polygon_mask(size, [outline - [left, top]], holes))
    face = _gaussian(face[None], width * 0.02)[0] * feather_weight[top:bottom, left:right]
    if edit.smoothing > 0:
        smooth = _gaussian(image, width * 0.012)
        image = image + edit.smoothing * face[None] * (smooth - image)
    if edit.beard_removal > 0:
        image = _remove_beard(
            image, local, beard_area(size, local, width), face, width, edit.beard_removal
        )
    if edit.stubble > 0:
        stubble_area = torch.from_numpy(_polygon_mask(size, [beard_line(local)], holes[-1:]))
        stubble_area = _gaussian(stubble_area[None], width * 0.03)[0] * face.clamp(max=1) ** 0.5
        image = _add_stubble(image, stubble_area, width, edit.stubble, edit.seed)
    if edit.lip_tone > 0:
        lips = torch.from_numpy(_polygon_mask(size, [local[48:60]], [local[60:68]]))
        lips = _gaussian(lips[None], width * 0.01)[0]
        image = _tone_lips(image, local, lips, width, edit.lip_tone)
    result = region.clone()
    result[:, top:bottom, left:right] = image
    return result


def beard_area(size: tuple[int, int], dense: np.ndarray, width: float) -> torch.Tensor:
    """Where beard hair is looked for: the lower face down to the jaw, with the narrow strip
    between nose and upper lip (a moustache) at full weight; only the lips themselves are left
    out. A blur alone would thin that strip to half, leaving half a moustache."""
    area = torch.from_numpy(_polygon_mask(size, [lower_face(dense)], [dense[48:60]]))
    area = (_gaussian(area[None], width * 0.02)[0] * 2).clamp(max=1)
    lips = torch.from_numpy(_polygon_mask(size, [dense[48:60]]))
    return area * (1 - _gaussian(lips[None], width * 0.006)[0])


def beard_line(dense: np.ndarray) -> np.ndarray:
    """Where stubble shows: chin, jaw and upper lip, not the upper cheeks."""
    return np.vstack(
        [
            dense[3:14],
            (dense[13] + dense[54]) / 2,
            (dense[35] + dense[53]) / 2 + (dense[33] - dense[51]) * 0.1,
            dense[33] + (dense[51] - dense[33]) * 0.25,
            (dense[31] + dense[49]) / 2 + (dense[33] - dense[51]) * 0.1,
            (dense[3] + dense[48]) / 2,
        ]
    )


def _luma(image: torch.Tensor) -> torch.Tensor:
    return 0.299 * image[0] + 0.587 * image[1] + 0.114 * image[2]


def skin_reference(image: torch.Tensor, dense: np.ndarray, width: float) -> torch.Tensor:
    """The person's own skin colour, (3,): the median of five patches where neither beard nor
    fringe grows (the nose bridge, just under each eye, the upper cheeks); the median stays on
    skin when a glasses frame or a shadow covers one or two of them."""
    centres = (
        (dense[28] + dense[29]) / 2,
        dense[41] + (dense[41] - dense[37]) * 0.9,
        dense[46] + (dense[46] - dense[44]) * 0.9,
        dense[31] + (dense[1] - dense[31]) * 0.4,
        dense[35] + (dense[15] - dense[35]) * 0.4,
    )
    radius = max(2, int(width * 0.04))
    patches = []
    for centre in centres:
        x, y = int(centre[0]), int(centre[1])
        patch = image[:, max(y - radius, 0) : y + radius, max(x - radius, 0) : x + radius]
        if patch.numel():
            patches.append(patch.reshape(3, -1))
    if not patches:
        return image.reshape(3, -1).median(1).values
    return torch.cat(patches, 1).median(1).values


def skin_luma_field(image: torch.Tensor, dense: np.ndarray, width: float) -> torch.Tensor:
    """The skin's lightness expected at each pixel, (H, W): the lit side's and the shaded side's
    own skin (under the eye and on the upper cheek, each side apart) interpolated across the
    face, so a cheek in shadow is not taken for a beard."""
    radius = max(2, int(width * 0.04))
    sides = (
        (dense[41] + (dense[41] - dense[37]) * 0.9, dense[31] + (dense[1] - dense[31]) * 0.4),
        (dense[46] + (dense[46] - dense[44]) * 0.9, dense[35] + (dense[15] - dense[35]) * 0.4),
    )
    levels, positions = [], []
    luma = _luma(image)
    for centres in sides:
        pixels = []
        for centre in centres:
            x, y = int(centre[0]), int(centre[1])
            patch = luma[max(y - radius, 0) : y + radius, max(x - radius, 0) : x + radius]
            if patch.numel():
                pixels.append(patch.reshape(-1))
        if not pixels:
            return torch.full_like(luma, float(luma.median()))
        levels.append(torch.cat(pixels).median())
        positions.append(float(np.mean([centre[0] for centre in centres])))
    columns = torch.arange(luma.shape[1], dtype=luma.dtype) + 0.5
    t = ((columns - positions[0]) / max(positions[1] - positions[0], 1.0)).clamp(0, 1)
    return (levels[0] + (levels[1] - levels[0]) * t)[None, :].expand_as(luma)


def _chroma(image: torch.Tensor) -> torch.Tensor:
    """(Cb, Cr) of a (3, ...) RGB tensor in [0, 255]."""
    red, green, blue = image[0], image[1], image[2]
    return torch.stack(
        [
            -0.168736 * red - 0.331264 * green + 0.5 * blue,
            0.5 * red - 0.418688 * green - 0.081312 * blue,
        ]
    )


BEARD_SKIN_QUANTILE = 0.1


def _remove_beard(image, dense, beard_area, face, width, amount) -> torch.Tensor:
    """Find hair in the beard area by how far it is from the cheeks' colour (darker, or greyer
    for a white beard), and fill it from the surrounding skin (a normalised blur that ignores
    the hair), keeping the skin's own grain."""
    reference = skin_reference(image, dense, width)[:, None, None]
    reference_luma = skin_luma_field(image, dense, width).clamp(min=1.0)
    darker = (reference_luma - _luma(image)) / reference_luma
    # Lighting alone leaves the lower face darker than the reference patches (on dark skin the
    # cheekbones under the eyes catch the light): darkness counts from the lower face's own
    # lightest skin, so a shaved face's shading is not taken for a beard.
    inside = darker[beard_area > 0.5]
    if inside.numel() > 16:
        darker = darker - torch.quantile(inside, BEARD_SKIN_QUANTILE).clamp(min=0)
    gap = _chroma(image) - _chroma(reference)
    chroma_gap = torch.hypot(gap[0], gap[1])
    chroma_reference = torch.linalg.norm(_chroma(reference)).clamp(min=4.0)
    greyer = chroma_gap / chroma_reference
    evidence = torch.maximum((darker - 0.06) / 0.16, (greyer - 0.35) / 0.4)
    hair = _gaussian(evidence.clamp(0, 1)[None], width * 0.012)[0] * beard_area
    # The skin under a beard is the lower face's skin: shaded like the chin and the jaw, not lit
    # like the cheekbones. Skin found inside the beard area (between the hairs, under the lip)
    # counts ten times as much as the rest of the face, which only fills where none is near.
    keep = face * (1 - hair) ** 2 * (0.1 + beard_area)
    sigma = width * 0.07
    filled = _gaussian(image * keep[None], sigma) / _gaussian(keep[None], sigma).clamp(min=1e-3)
    grain = image - _gaussian(image, width * 0.01)
    filled = filled + 0.3 * grain * (1 - hair)[None]
    return image + amount * hair[None] * (filled - image)


def _add_stubble(image, area, width, amount, seed) -> torch.Tensor:
    """A stubble shadow: a soft, slightly cool darkening with a fine grain the size of hair
    stubs, densest on the chin and upper lip."""
    generator = torch.Generator().manual_seed(seed)
    noise = torch.randn(area.shape, generator=generator)
    noise = _gaussian(noise[None], max(0.4, width / 500))[0]
    noise = noise / noise.std().clamp(min=1e-6)
    grain = torch.sigmoid((noise - 1.0) * 3)
    density = area * amount
    tint = torch.tensor([1.0, 0.97, 0.94])[:, None, None]  # hair shadow is cooler than skin
    shade = 1 - density[None] * (0.13 + 0.10 * grain[None]) * tint
    return image * shade


def _tone_lips(image, dense, lips, width, amount) -> torch.Tensor:
    """Move the lips' colour halfway to the skin's: lipstick goes, the lips stay lips."""
    reference = skin_reference(image, dense, width)[:, None, None]
    lip_colour = (image * lips[None]).sum((1, 2), keepdim=True) / lips.sum().clamp(min=1.0)
    shift = (reference - lip_colour) * 0.5
    shift = shift - shift.mean(0, keepdim=True)  # colour only, keep the lips' lightness
    return image + amount * lips[None] * shift

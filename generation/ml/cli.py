"""Command line: ``python -m generation.ml {train,translate,evaluate,info} ...``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import DIRECTIONS, MAX_VARIANTS
from .errors import EngineError, InvalidImage
from .limits import MAX_VARIATION
from .results import direction_hint


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m generation.ml", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train the codec and LightSB; write weights")
    train.add_argument("--data", type=Path, required=True, help="folder of UTKFace chips")
    train.add_argument("--out", type=Path, required=True, help="folder for the weights")
    train.add_argument(
        "--settings",
        type=json.loads,
        default=None,
        help="JSON overrides of the training settings, e.g. '{\"lightsb_steps\": 500}'",
    )

    translate = commands.add_parser("translate", help="translate the faces in a photo")
    translate.add_argument("photo", type=Path)
    translate.add_argument("--direction", choices=DIRECTIONS, required=True)
    translate.add_argument(
        "--variants",
        type=int,
        default=4,
        choices=range(1, MAX_VARIANTS + 1),
        metavar=f"1..{MAX_VARIANTS}",
    )
    translate.add_argument("--seed", type=int, default=None)
    translate.add_argument("--strength", type=float, default=1.0)
    translate.add_argument(
        "--variation", type=float, default=1.0, help=f"variant spread, 0..{MAX_VARIATION:g}"
    )
    translate.add_argument("--animation", action="store_true", help="also write journey.webp")
    translate.add_argument("--face", type=int, default=None, help="only this face (0 = largest)")
    translate.add_argument("--journey", type=int, default=0, help="also write N bridge frames")
    translate.add_argument("--out", type=Path, required=True)
    translate.add_argument("--weights", type=Path, default=None)

    evaluate = commands.add_parser("evaluate", help="score the model on the held-out faces")
    evaluate.add_argument("--data", type=Path, required=True)
    evaluate.add_argument("--weights", type=Path, default=None)
    evaluate.add_argument("--faces", type=int, default=64, help="held-out faces per direction")
    evaluate.add_argument("--variants", type=int, default=3)
    evaluate.add_argument(
        "--classifier-faces",
        type=int,
        default=200,
        help="training faces per class for the attribute classifiers",
    )
    evaluate.add_argument("--out", type=Path, default=None, help="write the markdown table here")

    sheet = commands.add_parser("review-sheet", help="write blind-review contact sheets")
    sheet.add_argument("--data", type=Path, required=True)
    sheet.add_argument("--out", type=Path, required=True)
    sheet.add_argument("--weights", type=Path, default=None)
    sheet.add_argument("--edited", type=int, default=8, help="edited faces per sheet")
    sheet.add_argument("--real", type=int, default=4, help="real target-group faces per sheet")

    review = commands.add_parser("review-score", help="score a reviewer's answers")
    review.add_argument("--key", type=Path, required=True)
    review.add_argument("--answers", type=Path, required=True)

    info = commands.add_parser("info", help="print what the bundled model is")
    info.add_argument("--weights", type=Path, default=None)
    return parser


def _open_photo(path: Path):
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(path)
        image.load()
    except FileNotFoundError as error:
        raise InvalidImage(f"No such file: {path}") from error
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise InvalidImage(f"We couldn't read {path} as an image.") from error
    return image


def _translate(args: argparse.Namespace) -> None:
    from .engine import load_engine

    image = _open_photo(args.photo)
    engine = load_engine(args.weights)
    result = engine.translate(
        image,
        direction=args.direction,
        variants=args.variants,
        seed=args.seed,
        strength=args.strength,
        variation=args.variation,
        face_index=args.face,
        journey_frames=args.journey,
    )
    args.out.mkdir(parents=True, exist_ok=True)
    for face_index, crop in result.input_crops:
        crop.save(args.out / f"face{face_index}_input.png")
    for variant in result.variants:
        variant.composite.save(args.out / f"variant{variant.index}.png")
        for face_index, crop in variant.crops:  # close-ups
            crop.save(args.out / f"face{face_index}_variant{variant.index}.png")
    for frame, image_frame in enumerate(result.journey):
        image_frame.save(args.out / f"journey{frame:02d}.png")
    if args.animation and result.journey:
        from .animation import journey_webp

        (args.out / "journey.webp").write_bytes(journey_webp(result.journey))
    print(
        f"{args.photo}: {len(result.faces)} face(s), {args.direction}, "
        f"{len(result.variants)} variant(s), seed {result.seed}, strength {result.strength:g}"
        + (f", {len(result.journey)} journey frames" if result.journey else "")
    )
    for face in result.faces:
        estimate = face.estimate.as_dict() if face.estimate else {}
        print(f"  face {face.index}: box {face.box}, {face.size_px} px, estimate {estimate}")
        hint = direction_hint(args.direction, face.estimate)
        if hint:
            print(f"  hint: {hint['message']}")
    print(f"  wrote {args.out}/ in {result.timings['total'] * 1000:.0f} ms")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "train":
            from .train import train

            train(args.data, args.out, settings=args.settings)
        elif args.command == "translate":
            _translate(args)
        elif args.command == "evaluate":
            from .evaluate import evaluate

            evaluate(
                args.data,
                weights_dir=args.weights,
                faces_per_direction=args.faces,
                variants=args.variants,
                out=args.out,
            )
        elif args.command == "review-sheet":
            from .review import make_sheets

            make_sheets(
                args.data, args.out, edited=args.edited, real=args.real, weights_dir=args.weights
            )
            print(f"sheets and key.json written to {args.out}")
        elif args.command == "review-score":
            from .review import score

            figures = score(json.loads(args.key.read_text()), json.loads(args.answers.read_text()))
            print(json.dumps(figures, indent=2))
        else:
            from .engine import load_engine

            for key, value in load_engine(args.weights).info().items():
                print(f"{key}: {value}")
    except EngineError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2
    except (FileNotFoundError, RuntimeError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0

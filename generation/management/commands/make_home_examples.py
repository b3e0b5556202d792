"""Make the home page's before/after examples with the real engine (see generation.examples).

The pictures are committed in static/examples/, so images and `make run` need not make them;
this is for after a model change (`make home-examples`). Needs scikit-image (a development
requirement), which ships the portrait.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from generation.examples import DEFAULT_SEED, examples_folder, make_home_examples


class Command(BaseCommand):
    help = (
        "Translate scikit-image's public-domain astronaut portrait in every direction and write "
        "the before/after pictures (JPEG and WebP) and manifest.json for the home page."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            default=None,
            help="Folder to write into (default: static/examples/).",
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="%(default)s")
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="Do nothing when the folder already has a manifest (for image builds).",
        )

    def handle(
        self,
        *args: object,
        output: Path | None = None,
        seed: int = DEFAULT_SEED,
        if_missing: bool = False,
        **options: object,
    ) -> None:
        folder = output or examples_folder()
        if if_missing and (folder / "manifest.json").exists():
            self.stdout.write(f"examples already in {folder}")
            return
        try:
            manifest = make_home_examples(folder=folder, seed=seed)
        except ModuleNotFoundError as error:  # the portrait comes with scikit-image's data
            raise CommandError(
                f"{error.name} is missing: the examples are made with the development "
                "requirements (pip install -r requirements-dev.txt)."
            ) from error
        self.stdout.write(
            f"wrote {len(manifest['examples'])} examples (seed {seed}, model "
            f"{manifest['model_version']}) to {folder}"
        )

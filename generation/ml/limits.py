"""The engine's limits: the one definition the Django side reads too (cheap to import)."""

DIRECTIONS = ("adult_to_child", "child_to_adult", "male_to_female", "female_to_male")
MAX_FACES = 8
MAX_VARIANTS = 8
MAX_JOURNEY_FRAMES = 16

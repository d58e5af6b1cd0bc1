"""The few words a diagram carries besides its math, in English and in Russian.

The terms follow the explain package's Russian (``explain/_i18n.py``): «прямой проход»,
«обратный проход», «свободные члены», «шаг».
"""

from __future__ import annotations

from ..errors import ConfigError

LANGS = ("en", "ru")

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "network": "network",
        "forward": "forward pass",
        "backward": "backward pass",
        "Forward": "Forward pass",
        "Backward": "Backward pass",
        "step": "step {t}",
        "rows_all": "rows 1–{n}",
        "rows_one": "row {i}",
        "no_biases": "no biases",
        "sigmoid": "sigmoid",
        "updated": "after the step",
    },
    "ru": {
        "network": "нейросеть",
        "forward": "прямой проход",
        "backward": "обратный проход",
        "Forward": "Прямой проход",
        "Backward": "Обратный проход",
        "step": "шаг {t}",
        "rows_all": "строчки 1–{n}",
        "rows_one": "строчка {i}",
        "no_biases": "без свободных членов",
        "sigmoid": "сигмоида",
        "updated": "после шага",
    },
}


def check_lang(lang: object) -> str:
    if lang not in LANGS:
        raise ConfigError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    return str(lang)


def word(lang: str, key: str, **values: object) -> str:
    """``key`` in ``lang`` (a key it lacks, such as an activation's name, stays as it is)."""
    s = WORDS[lang].get(key, key)
    for name, value in values.items():
        s = s.replace("{" + name + "}", str(value))
    return s


def count(lang: str, n: int, en: str, ru: tuple[str, str, str]) -> str:
    """``2 inputs`` / ``2 входа``: ``ru`` holds the forms for 1, 2–4 and 5+ (Russian plurals)."""
    if lang == "en":
        return f"{n} {en}{'' if n == 1 else 's'}"
    tail = n % 100
    if 11 <= tail <= 14:
        form = ru[2]
    else:
        form = {1: ru[0], 2: ru[1], 3: ru[1], 4: ru[1]}.get(n % 10, ru[2])
    return f"{n} {form}"

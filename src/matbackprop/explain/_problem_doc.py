"""The documents of problem variants: the sheet (givens and questions) and the answer key.

The key is each variant's worked solution (:class:`~matbackprop.explain.Solution`'s own
blocks), headed by its id, its difficulty and the one-line key; for ``forward_backward`` the
update, which is not asked, is left out.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from . import _doc
from ._doc import M, Mat, heading, para
from ._i18n import check_lang, tr
from .check import symbol
from .explanation import intro

if TYPE_CHECKING:
    from .problems import Variant

__all__ = ["ProblemDocument", "key", "sheet"]


class ProblemDocument(_doc.Document):
    """The sheets or the keys of some variants; ``save(path)`` by suffix, ``.json`` too."""

    suffixes: ClassVar[dict[str, str]] = {**_doc.SUFFIXES, ".json": "json"}

    def __init__(self, variants: Sequence[Variant], lang: str, answers: bool) -> None:
        self.variants = list(variants)
        self.lang = check_lang(lang)
        self.answers = answers
        ids = ", ".join(v.id for v in self.variants)
        self.title = tr(self.lang, "p_key_title" if answers else "p_sheet_title", ids=ids)
        self.blocks: list[_doc.Block] = []
        for v in self.variants:
            self.blocks += _key_blocks(v, self.lang) if answers else _sheet_blocks(v, self.lang)

    def __repr__(self) -> str:
        what = "answer key" if self.answers else "problem sheet"
        return f"<{what} of {len(self.variants)} variant(s), {self.lang}>"

    def in_lang(self, lang: str) -> ProblemDocument:
        return ProblemDocument(self.variants, lang, self.answers)

    def to_json(self) -> str:
        """The variants as data: givens, questions, difficulty (and, in a key, the answers)."""
        doc = {"variants": [v.to_dict(self.answers) for v in self.variants]}
        return json.dumps(doc, indent=1, ensure_ascii=False)

    def _file_text(self, fmt: str) -> str:
        return self.to_json() + "\n" if fmt == "json" else self.render(fmt)

    def to_latex(self, standalone: bool = True) -> str:
        """LaTeX, each variant on a new page."""
        parts = [_doc.to_latex_body(_blocks_of(v, self.lang, self.answers)) for v in self.variants]
        body = "\\newpage\n\n".join(parts)
        return _doc.latex_document(body, self.lang, self.title) if standalone else body


def _blocks_of(v: Variant, lang: str, answers: bool) -> list[_doc.Block]:
    return _key_blocks(v, lang) if answers else _sheet_blocks(v, lang)


def sheet(variants: Sequence[Variant], lang: str) -> ProblemDocument:
    return ProblemDocument(variants, lang, answers=False)


def key(variants: Sequence[Variant], lang: str) -> ProblemDocument:
    return ProblemDocument(variants, lang, answers=True)


def _given_symbol(name: str) -> M:
    return {"X": M("X", "X"), "y": M("y", "y")}.get(name) or M(f"{name[0]}_{{{name[1:]}}}", name)


def _rows(v: Any) -> tuple[tuple[Any, ...], ...]:
    import numpy as np

    arr = np.asarray(v, dtype=object)
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)  # a bias is the row it is added as
    return tuple(tuple(r) for r in arr)


def _difficulty(v: Variant, lang: str) -> _doc.Para:
    d = v.difficulty
    return para(
        tr(
            lang,
            "p_difficulty",
            numbers=d.numbers,
            den=d.largest_denominator,
            entries=d.entries,
        )
    )


def _settings(v: Variant, lang: str) -> _doc.Para:
    spec = v.spec
    n = v.X.shape[0]
    loss = tr(lang, "loss_" + spec.preset.loss)
    if spec.kind == "forward_backward":
        return para(tr(lang, "p_settings_pass", loss=loss))
    order = tr(lang, "s_batch", n=n) if spec.order == "batch" else tr(lang, "s_row", n=n)
    lr = _doc.num_text(v.learning_rate, "fraction", 4)
    return para(tr(lang, "s_settings", loss=loss, lr=lr, order=order))


def _names(v: Variant, t: int, prefix: tuple[str, ...]) -> list[M]:
    L = len(v.W)
    return [symbol(name, L) for step, name in v.asked if step == t and name.startswith(prefix)]


def _math_list(symbols: list[M]) -> M:
    return M(", ".join(s.latex for s in symbols), ", ".join(s.text for s in symbols))


def _sheet_blocks(v: Variant, lang: str) -> list[_doc.Block]:
    net = v.network()
    blocks: list[_doc.Block] = [heading(1, tr(lang, "p_variant", id=v.id)), *intro(net, lang)]
    blocks.append(heading(2, tr(lang, "s_given")))
    blocks += [Mat(_given_symbol(k), _rows(g), "fraction", 4) for k, g in v.givens().items()]
    blocks.append(_settings(v, lang))
    blocks.append(heading(2, tr(lang, "p_questions")))
    items: list[tuple[_doc.Inline, ...]] = []
    for t in range(1, v.spec.steps + 1):
        where = "" if v.spec.steps == 1 else tr(lang, "s_step", t=t) + ". "
        fwd = _names(v, t, ("H", "O", "y_hat"))
        back = _names(v, t, ("d", "fp"))
        upd = _names(v, t, ("W", "b"))
        items.append(_doc.rich(where + tr(lang, "p_q_forward") + " ", _math_list(fwd), "."))
        if any(name == "L" for step, name in v.asked if step == t):
            items.append(_doc.rich(where + tr(lang, "p_q_loss")))
        items.append(_doc.rich(where + tr(lang, "p_q_backward") + " ", _math_list(back), "."))
        if upd:
            items.append(_doc.rich(where + tr(lang, "p_q_update") + " ", _math_list(upd), "."))
    blocks.append(_doc.Items(tuple(items)))
    if v.spec.preset.loss == "logloss":
        blocks.append(para(tr(lang, "p_no_loss")))
    blocks.append(para(tr(lang, "p_exact")))
    blocks.append(_difficulty(v, lang))
    return blocks


def _key_blocks(v: Variant, lang: str) -> list[_doc.Block]:
    sol = v.solution(lang)
    blocks: list[_doc.Block] = [
        heading(1, tr(lang, "p_key_variant", id=v.id)),
        _difficulty(v, lang),
    ]
    blocks.append(para(tr(lang, "p_key_line")))
    blocks.append(para(v.key_line))
    body = sol.blocks[1:]  # the solution's own title gives way to the variant's
    if v.spec.kind == "forward_backward":
        body = _without_update(body, lang, v)
    return blocks + body


def _without_update(blocks: list[_doc.Block], lang: str, v: Variant) -> list[_doc.Block]:
    """The solution's blocks without the update, which ``forward_backward`` does not ask,
    and with the settings line that names no learning rate."""
    update = _doc.plain(tr(lang, "s_update"))
    out: list[_doc.Block] = []
    skipping = False
    settings_done = False
    given = tr(lang, "s_given")
    seen_given = False
    for b in blocks:
        if isinstance(b, _doc.Heading):
            skipping = False
            seen_given = seen_given or _doc._inline_text(b.parts) == given
        elif isinstance(b, _doc.Para) and _doc._inline_text(b.parts) == update:
            skipping = True
            continue
        elif isinstance(b, _doc.Para) and seen_given and not settings_done:
            settings_done = True
            out.append(_settings(v, lang))
            continue
        if not skipping:
            out.append(b)
    return out

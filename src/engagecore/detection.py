"""Choosing the importer (or registry reader) for a source: one rule, used by ``engage
ingest``, ``engage museums import-registry`` and the test kit alike.

Each candidate's ``detect(source)`` gives a confidence from 0 to 1. The highest wins if it
reaches :data:`CLAIM`. Two candidates whose confidences differ by less than :data:`TIE` at
the top are a tie, and a tie is never settled silently (by registration order or by name):
it is a :class:`~engagecore.errors.DetectionError` naming every tied candidate, so that the
user chooses (``--network NAME``) and the plugin authors hear of it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from engagecore import plugins
from engagecore.errors import DetectionError, EngageError, PluginError
from engagecore.sources import Source

#: Confidence at or above which a candidate claims a source.
CLAIM = 0.5
#: Two confidences at the top closer than this are a tie.
TIE = 0.05


class Detector(Protocol):
    """What :func:`choose_importer` needs of a candidate: an importer, a registry reader."""

    @property
    def name(self) -> str: ...

    def detect(self, source: Source) -> float: ...


D = TypeVar("D", bound=Detector)


def detect_all(
    source: Source, candidates: Sequence[D], kind: str = "importer"
) -> list[tuple[float, D]]:
    """``(confidence, candidate)`` for every candidate with a confidence above 0, highest
    first (equal ones in the order given).

    A ``detect`` raising an :class:`~engagecore.errors.EngageError` (a FormatError on a file
    it cannot even inspect) counts as 0; any other exception is the plugin's bug: a
    :class:`~engagecore.errors.PluginError` naming the plugin, the candidate and the file.
    """
    scored = []
    for candidate in candidates:
        try:
            conf = float(candidate.detect(source))
        except EngageError:
            conf = 0.0
        except Exception as exc:
            raise PluginError(
                plugins.owner_name(candidate),
                f"{kind} {candidate.name!r} failed to inspect {source.display()}: {exc!r}",
            ) from exc
        if conf > 0:
            scored.append((conf, candidate))
    return sorted(scored, key=lambda t: -t[0])


def choose_importer(
    source: Source,
    candidates: Sequence[D],
    *,
    claim: float = CLAIM,
    kind: str = "importer",
    how: str | Callable[[D], str] = "",
) -> tuple[D, float] | None:
    """The candidate that reads ``source`` and its confidence; None when none claims it
    (the best confidence is under ``claim``, or 0).

    Candidates at the top within :data:`TIE` of each other: a
    :class:`~engagecore.errors.DetectionError`, ``"{file}: several {kind}s claim it (a, b);
    {how}"``, the tied names in order of confidence (``how`` may be a function of the
    first of them). ``claim`` lowers the bar when the user
    named the network (any confidence above 0 then counts). ``kind`` names the candidates in
    messages ("importer", "registry reader"); see :func:`detect_all` for a failing
    ``detect``.

    .. versionadded:: 1
    """
    scored = detect_all(source, candidates, kind)
    if not scored or scored[0][0] < claim:
        return None
    best_conf, best = scored[0]
    tied = [c for conf, c in scored[1:] if best_conf - conf < TIE]
    if tied:
        names = ", ".join(c.name for c in (best, *tied))
        hint = how(best) if callable(how) else how
        tail = f"; {hint}" if hint else ""
        raise DetectionError(f"{source.display()}: several {kind}s claim it ({names}){tail}")
    return best, best_conf

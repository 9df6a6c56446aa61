"""Words for chart titles and tick labels: inputs and observables.

An input without a label reads ``fund:edf:envelope`` → 'Envelope: fund edf'; a driver's label becomes a phrase
for a sentence, 'how long ‘EDIP adopted’ takes'.

Input names are split only through :func:`sim.names.parse`, the one definition of their grammar.
"""

from __future__ import annotations

from typing import Any

from .. import labels, names
from .style import shorten_label

__all__ = ["INPUT_WORDS", "readable_label", "name_phrase", "driver_phrase", "observable_label"]

# Label prefixes written by sim.labels.input_labels, and the phrase each becomes in a sentence.
_PHRASES = (("Duration: ", "how long ‘{}’ takes"), ("Risk occurs: ", "whether ‘{}’ happens"),
            ("Risk delay: ", "how much ‘{}’ delays things"), ("Risk timing: ", "when ‘{}’ happens"))

INPUT_WORDS = {"envelope": "Envelope", "growth": "Growth", "amount": "Amount", "lag": "Payment lag",
               "capacity": "Starting capacity", "target": "Target capacity", "first_output": "Time to first output",
               "realisation": "Realisation factor", "quantity": "Quantity", "cut": "Cut", "capacity_cut": "Capacity cut",
               "numerator": "Numerator weight", "denominator": "Denominator weight", "delay": "Delay",
               "duration": "Duration", "occurs": "Occurs", "time": "Timing"}
"""The part of an input name (``envelope`` in ``fund:edf:envelope``) in words, for inputs the run did not label."""

_SHARED_FACTOR = " (shared factor)"


def _word(part: str) -> str:
    return INPUT_WORDS.get(part, part.replace("_", " ").capitalize())


def readable_label(label: str) -> str:
    """A label in words for an input that the run did not label: ``fund:edf:envelope`` → 'Envelope: fund edf'.

    Labelled inputs (any text with a space, or without ``:``) are returned as they are.
    """
    label = str(label)
    if " " in label or ":" not in label:
        return label
    name = names.parse(label)
    if name.kind == "indicator" and name.ids[1]:  # indicator:ID:numerator|denominator:OBSERVABLE
        return f"{INPUT_WORDS.get(name.part, name.part)} of {name.ids[1]}: indicator {name.ids[0]}"
    ids = [i for i in name.ids if i] or [""]
    fields = [*ids, name.part] if name.part else ids  # a driver has no part: its id is the last field
    subject = " · ".join(fields[:-1]) if len(fields) > 1 else fields[0]
    return f"{_word(fields[-1])}: {name.kind} {subject}"


def name_phrase(label: str, width: int) -> str | None:
    """Words for a bare input name of the money model, which reads badly through the generic label, else None.

    Parameters
    ----------
    label : str
        An input name such as ``funding:MILESTONE:POOL:amount`` or ``indicator:ID:ROLE:OBSERVABLE``.
    width : int
        Longest quoted id, in characters.
    """
    name = names.parse(label)
    if name.kind == "indicator" and name.ids[1]:
        return (f"the {name.part} weight of ‘{shorten_label(name.ids[1], width)}’ in "
                f"‘{shorten_label(name.ids[0], width)}’")
    what = {"amount": "how much money ‘{m}’ needs from {p}", "lag": "the payment lag of {p} for ‘{m}’"}
    if name.kind == "funding" and name.part in what:
        return what[name.part].format(m=shorten_label(name.ids[0], width), p=name.ids[1])
    return None


def driver_phrase(label: str, width: int = 70) -> str:
    """An input's label (``drivers(...)['label']``) as words for a sentence: 'how long ‘EDIP adopted’ takes'.

    Parameters
    ----------
    label : str
        The label from :func:`sim.labels.input_labels`, or a bare input name.
    width : int, default 70
        Longest quoted title, in characters (cut at a word boundary).
    """
    label = str(label)
    if " " not in label and (phrase := name_phrase(label, width)):
        return phrase
    label = " ".join(readable_label(label).split())
    for prefix, template in _PHRASES:
        if label.startswith(prefix):
            return template.format(shorten_label(label[len(prefix):], width))
    if label.endswith(_SHARED_FACTOR):
        return f"the shared factor ‘{shorten_label(label[: -len(_SHARED_FACTOR)], width)}’"
    what, sep, subject = label.partition(": ")
    if sep and what.startswith(tuple(INPUT_WORDS.values())):  # from readable_label
        return f"the {what[0].lower() + what[1:]} of ‘{shorten_label(subject, width)}’"
    return shorten_label(label, width)


def observable_label(results: Any, observable: str, scenario: Any = None) -> str:
    """A readable name for an observable ('SAFE loans: share of the envelope paid out').

    From the scenario's titles when given (see :func:`sim.labels.observable_label`), else one recorded in
    ``results.meta['observables']``, else words made from its id.
    """
    titles = results.meta.get("observables") if isinstance(getattr(results, "meta", None), dict) else None
    if scenario is None and isinstance(titles, dict) and titles.get(observable):
        return str(titles[observable])
    return labels.observable_label(observable, scenario)

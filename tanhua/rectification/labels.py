"""The audit labels of rectification, from its two halves."""

from __future__ import annotations


def register() -> None:
    from tanhua.rectification import labels_lists, labels_track

    labels_lists.register()
    labels_track.register()

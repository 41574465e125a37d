"""Form values as the application stores them.

Browsers send every line break of a textarea as CR LF (the HTML form-submission rules),
while what we store, render and compare uses LF. Without this, saving a text unchanged
rewrites it, and a Markdown or plain-text field grows a CR on every line. Werkzeug lets an
application choose the class that holds parsed parameters; this one turns CR LF into LF
once, at the edge, for every form and query string.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict


def _lf(value: Any) -> Any:
    if isinstance(value, list):  # a plain dict may map a key to several values
        return [_lf(v) for v in value]
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


class LineFeedValues(ImmutableMultiDict):
    def __init__(self, mapping: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None) -> None:
        if mapping is None:
            super().__init__()
            return
        pairs = mapping.items(multi=True) if isinstance(mapping, MultiDict) else (
            mapping.items() if isinstance(mapping, Mapping) else mapping)
        super().__init__([(key, _lf(value)) for key, value in pairs])


class FormRequest(Request):
    parameter_storage_class = LineFeedValues

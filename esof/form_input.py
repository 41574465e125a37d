"""Form values as the application stores them.

Browsers send every line break of a textarea as CR LF (the HTML form-submission rules),
while what we store, render and compare uses LF. Without this, saving a text unchanged
rewrites it, and a Markdown or plain-text field grows a CR on every line. Werkzeug lets an
application choose the class that holds parsed parameters; this one turns CR LF into LF
once, at the edge, for every form and query string.

Posted forms and the pages' query strings also lose their control characters here (NUL,
escape, backspace … every C0 character but tab, line feed and carriage return, and DEL):
nobody types them, PostgreSQL cannot hold NUL in text (a server error on save, and on any
search or filter that sends the value to the database), and the others would reach exports,
mails and PDFs unseen. The API's query strings keep them: its contract answers a NUL with a
400 and the parameter's name (esof/api/params.py).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.formparser import FormDataParser
from werkzeug.utils import cached_property

CONTROL_CHARACTERS = frozenset(chr(c) for c in (*range(0, 9), 11, 12, *range(14, 32), 127))
_WITHOUT_CONTROLS = dict.fromkeys(map(ord, CONTROL_CHARACTERS))


def _lf(value: Any) -> Any:
    if isinstance(value, list):  # a plain dict may map a key to several values
        return [_lf(v) for v in value]
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


def without_control_characters(value: Any) -> Any:
    """The text with every control character but tab and line breaks removed."""
    if isinstance(value, list):
        return [without_control_characters(v) for v in value]
    return value.translate(_WITHOUT_CONTROLS) if isinstance(value, str) else value


def _pairs(mapping: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> Iterable[tuple[str, Any]]:
    if isinstance(mapping, MultiDict):
        return mapping.items(multi=True)
    return mapping.items() if isinstance(mapping, Mapping) else mapping


class LineFeedValues(ImmutableMultiDict):
    def __init__(self, mapping: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None) -> None:
        if mapping is None:
            super().__init__()
            return
        super().__init__([(key, _lf(value)) for key, value in _pairs(mapping)])


class PostedValues(ImmutableMultiDict):
    """A posted form's fields or a page's query parameters: line feeds as above, control
    characters removed (from names too)."""

    def __init__(self, mapping: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None) -> None:
        if mapping is None:
            super().__init__()
            return
        super().__init__([(without_control_characters(key), without_control_characters(_lf(value)))
                          for key, value in _pairs(mapping)])


class FormRequest(Request):
    parameter_storage_class = LineFeedValues

    @cached_property
    def args(self) -> MultiDict[str, str]:
        # Werkzeug's own cached `args` parses the query string; this one's result replaces it.
        values = super().args
        return values if self.path.startswith("/api/") else PostedValues(values)

    def make_form_data_parser(self) -> FormDataParser:
        return self.form_data_parser_class(
            stream_factory=self._get_file_stream,
            max_form_memory_size=self.max_form_memory_size,
            max_content_length=self.max_content_length,
            max_form_parts=self.max_form_parts,
            cls=PostedValues,
        )

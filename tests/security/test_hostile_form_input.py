"""The one place posted values lose their control characters (esof/form_input.py): NUL and the
other C0 characters never reach a service, a search or the database, while tab and line breaks
stay; the API's query strings keep them, to refuse them with the parameter's name."""
from __future__ import annotations

import io

import pytest
from flask import Flask, request

from esof.form_input import PostedValues, without_control_characters


@pytest.mark.parametrize(("sent", "kept"), [
    ("a\x00b", "ab"),
    ("\x1b[31mred\x7f", "[31mred"),
    ("tab\tand\nline\r\nbreaks", "tab\tand\nline\r\nbreaks"),
    ("\u202eRTL\u200d 👍", "\u202eRTL\u200d 👍"),
    ("\x00" * 5, ""),
])
def test_control_characters_are_removed_and_text_is_kept(sent: str, kept: str) -> None:
    assert without_control_characters(sent) == kept


def test_posted_values_are_stripped_and_keep_every_value_of_a_repeated_field() -> None:
    values = PostedValues([("name", "a\x00"), ("name", "b\r\nc"), ("x\x00y", "1")])
    assert values.getlist("name") == ["a", "b\nc"]
    assert values["xy"] == "1"


def test_a_form_and_a_page_query_lose_nul_bytes_and_the_api_keeps_them_to_refuse(app: Flask) -> None:
    with app.test_request_context("/any?q=a%00b&q=%1bc", method="POST", content_type="multipart/form-data", data={
        "text": ["one\x00two", "three\x1b"], "upload": (io.BytesIO(b"\x00raw\x00"), "f.bin"),
    }):
        assert request.form.getlist("text") == ["onetwo", "three"]
        assert request.args.getlist("q") == ["ab", "c"]
        assert request.files["upload"].read() == b"\x00raw\x00"

    with app.test_request_context("/api/v1/sessions?q=a%00b"):
        assert request.args["q"] == "a\x00b"

    with app.test_request_context("/any", method="POST", data={"text": "url\x00encoded\r\nform"}):
        assert request.form["text"] == "urlencoded\nform"

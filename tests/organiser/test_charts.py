"""The chart drawing: safe SVG, and drawn again as soon as a number changes."""
from __future__ import annotations

from flask import Flask

from esof.organiser import charts


def test_a_chart_is_drawn_again_when_a_number_changes_and_kept_when_none_does(app: Flask) -> None:
    with app.test_request_context("/"):
        first = charts.bar_chart("t", ["a", "b"], [("x", [1, 2])])
        again = charts.bar_chart("t", ["a", "b"], [("x", [1, 2])])
        changed = charts.bar_chart("t", ["a", "b"], [("x", [1, 3])])
    assert again is first
    assert changed != first and changed.count("<rect") == first.count("<rect")


def test_svg_has_no_script_no_style_and_no_pygal_title(app: Flask) -> None:
    with app.test_request_context("/"):
        svg = charts.line_chart("s", ["1 May", "2 May"], [("Onsite", [1, 4]), ("Cap", [5, 5])])
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="chart-s-title"')
    for forbidden in ("<script", "<style", " style=", "<title>Pygal", 'id="chart-', "<!--"):
        assert forbidden not in svg
    assert ">Onsite<" in svg and ">2 May<" in svg

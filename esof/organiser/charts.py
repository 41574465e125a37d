"""The dashboard's charts, drawn on the server by pygal as inline SVG.

Made safe for the page: pygal puts a <script> (its tooltip configuration) and a <style> into
every chart. Both are taken out of the tree before it is written (`_strip`): the site's CSP
allows no inline script or style, and a chart has no business running code. The style goes
instead into one stylesheet (`chart_stylesheet`, served from this origin) whose rules name
the class `pygal-chart` that pygal puts on every chart, in place of each chart's random id.

Accessible: each <svg> is role="img", labelled by the chart's visible heading and described
by its sentence (aria-labelledby / aria-describedby); the numbers are also in a table behind
a <details> disclosure (templates/organiser/_chart.html).
"""
from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

import pygal  # type: ignore[import-untyped]
from babel.numbers import format_currency
from flask_babel import get_locale
from markupsafe import Markup
from pygal.style import Style  # type: ignore[import-untyped]

# The site's colours (esof/static/css/site.css) and a palette whose neighbours differ in
# lightness as well as hue, so series stay apart for colour-blind readers.
PALETTE = ("#1f4e79", "#d9822b", "#3a8f5c", "#b3325a", "#6a4c93", "#5b6770", "#0f7c8a", "#8c6d1f")
SITE_STYLE = Style(
    background="transparent",
    plot_background="#ffffff",
    foreground="#222222",
    foreground_strong="#111111",
    foreground_subtle="#555555",
    font_family='system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif',
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=14,
    value_font_size=12,
    tooltip_font_size=12,
    colors=PALETTE,
    opacity=".9",
    opacity_hover=".9",
    transition="0s",
)
_CHART_ID = re.compile(r"#chart-[0-9a-f-]{36}")
_SVG = "{http://www.w3.org/2000/svg}"


def _strip(root: Any) -> Any:
    """Drop pygal's script and style elements and inline style attributes (tooltips, which
    need the script anyway); keep everything that draws."""
    for parent in list(root.iter()):
        for child in list(parent):
            tooltip = "tooltip" in (child.get("class") or "").split()
            if tooltip or child.tag in (f"{_SVG}script", "script", f"{_SVG}style", "style"):
                parent.remove(child)
    for child in list(root):
        if child.tag in (f"{_SVG}title", "title"):  # pygal's "Pygal": the page has the heading
            root.remove(child)
    for node in root.iter():
        node.attrib.pop("style", None)
    return root


def _config(**overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "style": SITE_STYLE, "js": [], "disable_xml_declaration": True,
        "width": 800, "height": 420, "legend_at_bottom": True, "legend_at_bottom_columns": 3,
        "show_y_guides": True, "margin": 12, "print_values": False, "tooltip_border_radius": 0,
        "no_data_text": "–", "truncate_label": 40, "truncate_legend": 40,
    }
    config.update(overrides)
    return config


def _render(chart: Any, key: str) -> Markup:
    chart.add_xml_filter(_strip)
    svg = chart.render(is_unicode=True)
    aria = (
        f' role="img" aria-labelledby="chart-{key}-title" aria-describedby="chart-{key}-desc"'
        f' focusable="false"'
    )
    # The random id is dropped too: the stylesheet names the class, and no id repeats on a page.
    svg = re.sub(r'^<svg([^>]*?) id="chart-[0-9a-f-]{36}"', lambda m: "<svg" + m.group(1) + aria, svg, count=1)
    svg = re.sub(r"<!--.*?-->", "", svg)
    return Markup(svg)  # pygal's own escaped XML, script and style removed


# Drawing is most of the page's time (about 10 ms a chart), and the numbers seldom change
# between two loads: the SVG is kept per chart, keyed by everything drawn (labels, values,
# options, the language of the labels), so a changed number draws anew at once.
CHART_CACHE_SIZE = 64


def line_chart(key: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[int | None]]],
               **options: Any) -> Markup:
    return _drawn("line", key, tuple(labels), _frozen(series), tuple(sorted(options.items())), str(get_locale()))


def bar_chart(key: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[int | float]]],
              *, horizontal: bool = False, stacked: bool = False, euro: bool = False, **options: Any) -> Markup:
    kind = ("horizontal-" if horizontal else "") + ("stacked-" if stacked else "") + ("euro-" if euro else "") + "bar"
    return _drawn(kind, key, tuple(labels), _frozen(series), tuple(sorted(options.items())), str(get_locale()))


def _frozen(series: Sequence[tuple[str, Sequence[Any]]]) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    return tuple((str(name), tuple(values)) for name, values in series)


@functools.lru_cache(maxsize=CHART_CACHE_SIZE)
def _drawn(kind: str, key: str, labels: tuple[str, ...], series: tuple[tuple[str, tuple[Any, ...]], ...],
           options: tuple[tuple[str, Any], ...], locale: str) -> Markup:
    settings = dict(options)
    if kind == "line":
        chart = pygal.Line(**_config(show_dots=len(labels) <= 60, x_label_rotation=30,
                                     show_minor_x_labels=False, **settings))
        chart.x_labels_major = list(labels)[:: max(1, len(labels) // 10)]
    else:
        horizontal, stacked = "horizontal-" in kind, "stacked-" in kind
        chart_class = {(False, False): pygal.Bar, (True, False): pygal.HorizontalBar,
                       (False, True): pygal.StackedBar, (True, True): pygal.HorizontalStackedBar}[(horizontal, stacked)]
        if "euro-" in kind:
            settings["value_formatter"] = lambda value: format_currency(value, "EUR", locale=locale)
        height = max(320, 60 + 26 * len(labels)) if horizontal else 420
        chart = chart_class(**_config(height=height, x_label_rotation=0 if horizontal else 20, **settings))
    chart.x_labels = list(labels)
    for name, values in series:
        chart.add(name, list(values))
    return _render(chart, key)


@functools.cache
def chart_stylesheet() -> str:
    """pygal's CSS for SITE_STYLE, aimed at the class every chart has, for as many series as
    the palette has colours (pygal repeats them after that)."""
    chart = pygal.Bar(style=SITE_STYLE, js=[], disable_xml_declaration=True)
    for n in range(len(PALETTE)):
        chart.add(str(n), [n])
    svg = chart.render(is_unicode=True)
    css = "\n".join(re.findall(r"<style[^>]*>(.*?)</style>", svg, flags=re.S))
    css = css.replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&")
    return _CHART_ID.sub("svg.pygal-chart", css)

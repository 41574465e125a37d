"""Descriptions: Markdown and limited HTML in; nothing executable survives."""
from __future__ import annotations

import re
from html.parser import HTMLParser

from esof.side_events.richtext import ALLOWED_TAGS, render_description

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)><circle/></svg>",
    "<body onload=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a href="java&#x09;script:alert(1)">click</a>',
    '<a href=" javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<p style="background:url(javascript:alert(1))">styled</p>',
    '<div style="position:fixed;top:0">overlay</div>',
    "<style>body{display:none}</style>",
    '<iframe src="https://evil.example"></iframe>',
    '<object data="x.swf"></object><embed src="x.swf">',
    '<form action="https://evil.example"><input name=q></form>',
    '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
    '<p onmouseover="alert(1)">hover</p>',
    '<a href="https://ok.example" onclick="alert(1)">ok</a>',
    "<<script>script>alert(1)<</script>/script>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '"><img src=x onerror=alert(1)>',
    "<!--<script>alert(1)</script>-->",
    '<details open ontoggle=alert(1)>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
]

class _Inspector(HTMLParser):
    """Collects what a browser would act on: tags, attributes, link targets."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            self.attributes.add(name)
            if name == "href":
                self.hrefs.append(value or "")


def test_render_description_xss_payloads_all_come_out_inert() -> None:
    for payload in XSS_PAYLOADS:
        html = render_description(payload)
        inspector = _Inspector()
        inspector.feed(html)
        assert inspector.tags <= ALLOWED_TAGS, (payload, html)
        assert inspector.attributes <= {"href", "title", "rel"}, (payload, html)
        assert all(re.match(r"^(https?:|mailto:)", href) for href in inspector.hrefs), (payload, html)
        assert "<script" not in html.lower() and "alert(1)</" not in html, (payload, html)


def test_render_description_strips_script_with_its_content() -> None:
    assert render_description("Hallo <script>alert(1)</script>wereld") == "<p>Hallo wereld</p>"


def test_render_description_removes_event_handler_keeps_link() -> None:
    assert render_description('<a href="https://ok.example" onclick="alert(1)">ok</a>') == (
        '<p><a href="https://ok.example" rel="noopener noreferrer nofollow">ok</a></p>'
    )


def test_render_description_removes_javascript_url_keeps_text() -> None:
    assert render_description('<a href="javascript:alert(1)">click</a>') == (
        '<p><a rel="noopener noreferrer nofollow">click</a></p>'
    )


def test_render_description_removes_inline_style() -> None:
    assert render_description('<p style="color:red">red</p>') == "<p>red</p>"


def test_render_description_markdown_becomes_allowed_html() -> None:
    source = "## Programme\n\n- **Talk** by *Dr. Oort*\n- [Tickets](https://tickets.example/oort)"
    assert render_description(source) == (
        "<h2>Programme</h2>\n<ul>\n<li><strong>Talk</strong> by <em>Dr. Oort</em></li>\n"
        '<li><a href="https://tickets.example/oort" rel="noopener noreferrer nofollow">Tickets</a></li>\n</ul>'
    )


def test_render_description_empty_stays_empty() -> None:
    assert render_description("   ") == ""

"""Partner descriptions: Markdown or limited HTML in, sanitised HTML out (nh3).

Partners paste text from their own sites, so raw HTML is accepted, but only a short list
of harmless tags survives: no scripts, no event handlers, no inline styles, and links only
to http(s) and mailto. The result is what the database stores and the pages show.
"""
from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "a", "h2", "h3", "h4",
     "blockquote", "code", "pre", "hr"}
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})

_markdown = MarkdownIt("commonmark", {"html": True})


def clean_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()


def render_description(source: str) -> str:
    """Markdown (with inline HTML allowed) rendered, then sanitised. Empty in, empty out."""
    source = (source or "").strip()
    if not source:
        return ""
    return clean_html(_markdown.render(source))

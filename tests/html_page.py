"""What the tests read from an HTML page, parsed once by the standard library's HTML parser."""

from __future__ import annotations

from html.parser import HTMLParser


class Page(HTMLParser):
    """Links (href, text), alternates, lang attributes, data blocks (JSON-LD, and any script with an id),
    script tags (their attributes), stylesheets and inputs of a page."""

    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.alternates: list[str] = []
        self.langs: list[str] = []
        self.html_lang: str | None = None
        self.jsonld: list[str] = []
        self.blocks: dict[str, str] = {}
        self.scripts: list[dict] = []
        self.styles: list[str] = []
        self.inputs: list[dict] = []
        self._href: str | None = None
        self._text: list[str] = []
        self._block: str | None = None

    @property
    def sources(self) -> list[str]:
        """The src of every script tag that loads a file."""
        return [s["src"] for s in self.scripts if s.get("src")]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.html_lang = attrs.get("lang")
        if attrs.get("lang"):
            self.langs.append(attrs["lang"])
        if tag == "link" and attrs.get("rel") == "alternate" and attrs.get("type"):
            self.alternates.append(attrs["type"])
        if tag == "link" and attrs.get("rel") == "stylesheet":
            self.styles.append(attrs.get("href", ""))
        if tag == "input":
            self.inputs.append(attrs)
        if tag == "script":
            self.scripts.append(attrs)
            if attrs.get("type") == "application/ld+json":
                self._block = "\0jsonld"
                self.jsonld.append("")
            elif attrs.get("id"):
                self._block = attrs["id"]
                self.blocks[self._block] = ""
        if tag == "a":
            self._href, self._text = attrs.get("href"), []

    def handle_data(self, data):
        if self._block == "\0jsonld":
            self.jsonld[-1] += data
        elif self._block is not None:
            self.blocks[self._block] += data
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._block = None
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._text).strip()))
            self._href = None


def page(html: str) -> Page:
    parsed = Page()
    parsed.feed(html)
    return parsed

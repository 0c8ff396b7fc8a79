"""How a response body is decoded: one answer for the spider that reads it and for documents."""

from __future__ import annotations

from scrapy.http import Response, TextResponse

from disclosures.extract import decode_html


def declared_charset(response: Response) -> str | None:
    """The charset the Content-Type header declares, if any (it may be wrong)."""
    content_type = response.headers.get(b"Content-Type") or b""
    for part in content_type.decode("latin-1").split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"' ")
    return None


def is_html(response: Response) -> bool:
    content_type = (response.headers.get(b"Content-Type") or b"").lower()
    return b"html" in content_type or response.body.lstrip()[:15].lower().startswith(
        (b"<!doctype html", b"<html")
    )


def decode_page(response: Response) -> tuple[str, str]:
    """HTML decoded as `disclosures.extract.decode_html` sees it: (text, encoding).

    Scrapy's own detection trusts the header; Chinese government servers often send one
    charset for every page while the page itself says (rightly) otherwise.
    """
    return decode_html(response.body, declared_charset(response))


def document_encoding(response: Response) -> str | None:
    """The encoding recorded in documents.encoding for this body."""
    if is_html(response):
        return decode_page(response)[1]
    return response.encoding if isinstance(response, TextResponse) else None

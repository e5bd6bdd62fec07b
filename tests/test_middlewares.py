"""Charset repair before extraction."""

from __future__ import annotations

from scrapy.http import HtmlResponse, Request

from parknews.middlewares import CharsetFixMiddleware

TEXT = "园区标准化建设稳步推进，龙岩经开区（高新区）路网通车。"


def respond(body: bytes, content_type: str) -> HtmlResponse:
    request = Request("http://127.0.0.1/a/1.html")
    response = HtmlResponse(request.url, headers={"Content-Type": content_type}, body=body, request=request)
    return CharsetFixMiddleware().process_response(request, response)


def page(charset: str, text: str = TEXT) -> bytes:
    return (
        f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
        f"</head><body><p>{text}</p></body></html>"
    ).encode("gbk" if charset.startswith("gb") else charset)


def test_gbk_page_served_as_utf8_is_redecoded_with_the_meta_charset():
    response = respond(page("gb2312"), "text/html; charset=utf-8")
    assert TEXT in response.text
    assert response.encoding == "gb18030"


def test_page_whose_header_and_meta_agree_is_untouched_even_with_bad_bytes():
    body = page("utf-8").replace("园区".encode(), b"\xff\xfe")
    response = respond(body, "text/html; charset=utf-8")
    assert response.encoding == "utf-8"
    assert "\ufffd" in response.text


def test_correct_header_wins_over_a_wrong_meta():
    body = page("gb2312").decode("gbk").replace("gb2312", "utf-8").encode("gbk")  # meta lies, header is right
    response = respond(body, "text/html; charset=gbk")
    assert TEXT in response.text


def test_no_header_charset_falls_back_to_meta_as_scrapy_does():
    response = respond(page("gb2312"), "text/html")
    assert TEXT in response.text

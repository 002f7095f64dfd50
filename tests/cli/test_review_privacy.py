"""Review pages are redacted like the records and private to whoever made them."""

from __future__ import annotations

import os

from deescalate.cli.main import main

CALL = """\
[00:02] customer: my card is 4111 1111 1111 1111 and you charged it twice
[00:09] agent: I'm sorry, can I have a phone number or e-mail
[00:15] customer: 07700 900123 or john.smith@example.com, you are useless
[00:24] agent: thank you, I can see the order
"""
SECRETS = ("4111 1111 1111 1111", "07700 900123", "john.smith@example.com")


def review(tmp_path, *extra: str) -> list[str]:
    call = tmp_path / "billing.txt"
    call.write_text(CALL)
    assert main(["review", str(call), "--out", str(tmp_path / "report"), *extra]) == 0
    return [p.read_text() for p in sorted((tmp_path / "report").glob("*.html"))]


def test_pages_are_redacted_and_readable_by_their_owner_only(tmp_path, capsys):
    os.umask(0o022)
    pages = review(tmp_path)
    assert len(pages) == 2
    text = "\n".join(pages)
    for secret in SECRETS:
        assert secret not in text
    assert "[card]" in text and "[phone]" in text and "[e-mail]" in text
    assert "useless" in text, "the words that matter are still there"
    report = tmp_path / "report"
    assert report.stat().st_mode & 0o777 == 0o700
    assert {p.stat().st_mode & 0o777 for p in report.iterdir()} == {0o600}
    assert "redacted" in capsys.readouterr().err


def test_unredacted_pages_only_when_asked(tmp_path, capsys):
    text = "\n".join(review(tmp_path, "--unredacted"))
    assert all(secret in text for secret in SECRETS)
    assert "NOT redacted" in capsys.readouterr().err

"""`lazy_compile` stands in for `re.compile`, compiling at first use."""

from __future__ import annotations

import re

import pytest

from trustlint.patterns import lazy_compile


def test_it_matches_as_the_compiled_pattern_does() -> None:
    lazy = lazy_compile(r"(?P<word>[a-z]+)-(\d+)", re.IGNORECASE)
    compiled = re.compile(r"(?P<word>[a-z]+)-(\d+)", re.IGNORECASE)
    text = "Role-12 and user-7, not -3"
    assert lazy.findall(text) == compiled.findall(text)
    assert lazy.sub(r"\2", text) == compiled.sub(r"\2", text)
    assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in compiled.finditer(text)]
    found = lazy.search(text)
    assert found is not None and found.group("word") == "Role"
    assert lazy.fullmatch("abc-1") is not None and lazy.match("x") is None
    assert lazy.groupindex == compiled.groupindex and lazy.groups == 2


def test_bytes_patterns_work_too() -> None:
    assert lazy_compile(rb"\d+").findall(b"a1b22") == [b"1", b"22"]


def test_nothing_is_compiled_until_it_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[str] = []
    real = re.compile

    def counting(pattern: str, flags: int = 0) -> re.Pattern[str]:
        compiled.append(pattern)
        return real(pattern, flags)

    monkeypatch.setattr(re, "compile", counting)
    lazy = lazy_compile("[\u2028\u2029]")
    assert lazy.pattern == "[\u2028\u2029]" and lazy.flags == 0
    assert compiled == []
    assert lazy.search("a\u2028b") is not None
    assert lazy.search("plain") is None
    assert lazy.sub("", "x\u2029") == "x"
    # Once per method asked for, then the method is the compiled pattern's own.
    assert compiled == ["[\u2028\u2029]", "[\u2028\u2029]"]
    assert vars(lazy)["search"].__self__.pattern == "[\u2028\u2029]"


def test_a_bad_pattern_fails_where_it_is_used() -> None:
    lazy = lazy_compile("(unclosed")
    with pytest.raises(re.error):
        lazy.search("text")


def test_every_pattern_of_the_package_compiles() -> None:
    # A lazy pattern with a mistake would fail only on the input that uses it.
    import importlib
    import pkgutil

    import trustlint
    from trustlint.patterns import _LazyPattern

    seen = 0
    for module_info in pkgutil.walk_packages(trustlint.__path__, "trustlint."):
        if module_info.name == "trustlint.__main__":
            continue
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if isinstance(value, _LazyPattern):
                re.compile(value.pattern, value.flags)
                seen += 1
    assert seen >= 50

"""Answers checked against field specs, without the web: types, rules, files by their bytes, conditional questions."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

from portal.catalog.model import EMPTY_TEXT, DeliverTo, Form, FormField, FormPage, Option, ShowIf, Text
from portal.submissions.fields import address_from_profile, answer_lines, page_view, prefill_value
from portal.submissions.parsing import Posted, PostedFile, parse_number
from portal.submissions.uploads import clean_filename, sniff
from portal.submissions.validation import check_answers, is_visible, validate_page
from tests.forms_support import PDF, PNG

TODAY = dt.date(2026, 6, 15)


def _t(text: str) -> Text:
    return Text({"en": text}, "en")


def _field(fid: str, ftype: str, **kw: object) -> FormField:
    return FormField(id=fid, type=ftype, label=_t(fid.replace("_", " ").capitalize()), **kw)  # type: ignore[arg-type]


def _form(*fields: FormField) -> tuple[Form, FormPage]:
    page = FormPage("p", _t("Page"), tuple(fields))
    return Form("TST", DeliverTo(email_to="a@example.gov"), (page,)), page


def _check(form: Form, page: FormPage, values: dict[str, object], files: dict[str, PostedFile] | None = None) -> dict[str, str]:
    posted = Posted({k: v if isinstance(v, list) else [str(v)] for k, v in values.items()}, files or {})
    result = validate_page(form, page, posted, {}, "en", TODAY)
    return {e.field: e.message for e in result.errors} or {"ok": repr(result.answers)}


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("ana@example.com", True),
        ("ana.m+tag@mail.example.co.uk", True),
        ("ana@example", False),
        ("ana example.com", False),
        ("@example.com", False),
        ("ana@@example.com", False),
        ("a" * 250 + "@example.com", False),
    ],
)
def test_email_addresses(value: str, ok: bool) -> None:
    form, page = _form(_field("email", "email"))
    assert ("ok" in _check(form, page, {"email": value})) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [("+1 555 010 0123", True), ("(555) 010-0123", True), ("555.010.0123", True), ("12", False), ("call me", False), ("+1 555 010 0123 4567 89", False)],
)
def test_phone_numbers(value: str, ok: bool) -> None:
    form, page = _form(_field("phone", "phone"))
    assert ("ok" in _check(form, page, {"phone": value})) is ok


def test_numbers_lengths_and_patterns() -> None:
    form, page = _form(
        _field("count", "number", min=1.5, max=10),
        _field("code", "text", min=3, max=5, pattern="^[A-Z]+$"),
    )
    assert _check(form, page, {"count": "1,000"})["count"] == "Count must be 10 or less"
    assert _check(form, page, {"count": "1"})["count"] == "Count must be 1.5 or more"
    assert _check(form, page, {"count": "1e9"})["count"] == "Count must be a number"
    assert _check(form, page, {"code": "AB"})["code"] == "Code must be 3 characters or more"
    assert _check(form, page, {"code": "ABCDEF"})["code"] == "Code must be 5 characters or fewer"
    assert _check(form, page, {"code": "abc"})["code"] == "Code is not in the right format"
    assert _check(form, page, {"count": " 2.5 ", "code": "ABC"}) == {"ok": repr({"count": "2.5", "code": "ABC"})}


@pytest.mark.parametrize(
    ("locale", "typed", "number"),
    [("en", "1,000", "1000"), ("en", "2.5", "2.5"), ("en", "2,5", None), ("es", "2,5", "2.5"), ("es", "1.000", "1000"),
     ("es", "2.5", "2.5"), ("fr", "1 000,5", "1000.5"), ("en", "-3", "-3"), ("en", "NaN", None), ("en", "1e9", None),
     ("ar", "\u0662\u066b\u0665", "2.5"), ("ar", "\u0661\u0660", "10")],
)
def test_numbers_as_residents_write_them_in_their_language(locale: str, typed: str, number: str | None) -> None:
    assert parse_number(typed, locale) == number


def test_dates_against_fixed_bounds() -> None:
    form, page = _form(_field("when", "date", min="2026-01-01", max=dt.date(2026, 12, 31)))
    assert "must be the same as or after" in _check(form, page, {"when-day": "31", "when-month": "12", "when-year": "2025"})["when"]
    assert "must be the same as or before" in _check(form, page, {"when-day": "1", "when-month": "1", "when-year": "2027"})["when"]
    assert _check(form, page, {"when-day": "29", "when-month": "2", "when-year": "2026"})["when"] == "When must be a real date"
    assert _check(form, page, {"when-day": "1", "when-month": "13", "when-year": "2026"})["when"] == "When must be a real date"
    assert _check(form, page, {"when-day": "5", "when-month": "6", "when-year": "26"})["when"] == "When must be a real date"
    assert "ok" in _check(form, page, {"when-day": "05", "when-month": "6", "when-year": "2026"})


def test_an_address_needs_its_main_parts() -> None:
    form, page = _form(_field("home", "address", required=True))
    assert _check(form, page, {})["home"] == "Enter an address for: Home"
    assert _check(form, page, {"home-line1": "1 Main St", "home-postal_code": "12345"})["home"] == "Enter the town or city"
    assert _check(form, page, {"home-line1": "1 Main St", "home-city": "X", "home-postal_code": "!!"})["home"] == "Enter a real ZIP code"
    result = validate_page(
        form, page, Posted({"home-line1": ["1 Main St"], "home-city": ["X"], "home-postal_code": ["12345"]}), {}, "en", TODAY
    )
    assert result.errors == [] and result.answers["home"]["line1"] == "1 Main St"
    assert validate_page(form, page, Posted({"home-line1": ["1 Main St"]}), {}, "en", TODAY).errors[0].anchor == "f-home-city"


def test_choices_only_from_the_options_and_custom_messages_per_language() -> None:
    sizes = (Option("s", _t("Small")), Option("l", _t("Large")))
    form, page = _form(
        _field("size", "radio", options=sizes, required=True, errors={"required": Text({"en": "Pick a size", "es": "Elija un tamaño"}, "en")}),
        _field("extras", "checkboxes", options=sizes, min=2),
        _field("ok", "yesno"),
    )
    posted = Posted({"size": ["xl"], "extras": ["s", "zz"], "ok": ["maybe"]})
    errors = {e.field: e.message for e in validate_page(form, page, posted, {}, "en", TODAY).errors}
    assert errors == {
        "size": "Select one of the options for: Size",
        "extras": "Select one of the options for: Extras",
        "ok": "Select yes or no for: Ok",
    }
    spanish = validate_page(form, page, Posted({}), {}, "es", TODAY).errors
    assert spanish[0].message == "Elija un tamaño"
    assert validate_page(form, page, Posted({"size": ["s"], "extras": ["l"]}), {}, "en", TODAY).errors[0].message == (
        "Select at least 2 options for: Extras"
    )


def test_conditional_questions_follow_earlier_answers_in_a_chain() -> None:
    pets = (Option("dog", _t("Dog")), Option("cat", _t("Cat")))
    has = _field("has_pets", "yesno", required=True)
    which = _field("pets", "checkboxes", options=pets, required=True, show_if=ShowIf("has_pets", "yes"))
    dog_name = _field("dog_name", "text", required=True, show_if=ShowIf("pets", "dog"))
    form, page = _form(has, which, dog_name)
    assert is_visible(form, dog_name, {"has_pets": "yes", "pets": ["cat", "dog"]})
    assert not is_visible(form, dog_name, {"has_pets": "no", "pets": ["dog"]})  # its controller is hidden
    result = validate_page(form, page, Posted({"has_pets": ["no"], "pets": ["dog"], "dog_name": [""]}), {}, "en", TODAY)
    assert result.errors == [] and result.answers == {"has_pets": "no"} and sorted(result.hidden) == ["dog_name", "pets"]
    errors = validate_page(form, page, Posted({"has_pets": ["yes"], "pets": ["dog"]}), {}, "en", TODAY).errors
    assert [e.field for e in errors] == ["dog_name"]
    assert check_answers(form, {"has_pets": "yes", "pets": ["dog"]}, "en", TODAY)["p"][0].field == "dog_name"
    views = page_view(form, page, "en", {}, {})
    assert [v.id for v in views] == ["has_pets"]  # the others are drawn inside the choices that reveal them
    assert [r.id for r in views[0].options[0].revealed] == ["pets"]
    assert [r.id for r in views[0].options[0].revealed[0].options[0].revealed] == ["dog_name"]


def _zip(names: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in names.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_files_are_judged_by_their_first_bytes_not_their_names() -> None:
    assert sniff(PDF) == "pdf" and sniff(PNG) == "png"
    assert sniff(b"\xff\xd8\xff\xe0\x00\x10JFIF") == "jpg"
    assert sniff(b"GIF89a\x01\x00") == "gif"
    assert sniff(b"\x00\x00\x00\x18ftypheic\x00\x00") == "heic"
    assert sniff(_zip({"[Content_Types].xml": b"", "word/document.xml": b"<w/>"})) == "docx"
    assert sniff(_zip({"mimetype": b"application/vnd.oasis.opendocument.text"})) == "odt"
    assert sniff(_zip({"evil.exe": b"MZ"})) is None
    assert sniff(b"Plain words\n", "notes.txt") == "txt" and sniff(b"Plain words\n", "notes.pdf") is None
    assert sniff(b"MZ\x90\x00", "scan.pdf") is None
    assert sniff(b"<html><script>", "scan.png") is None


def test_file_rules() -> None:
    form, page = _form(_field("scan", "file", accept=("pdf", "jpeg"), max_size_mb=0.001, required=True))
    assert _check(form, page, {})["scan"] == "Choose a file for: Scan"
    assert _check(form, page, {}, {"scan": PostedFile("a.png", PNG)})["scan"] == "The selected file must be a PDF or JPG"
    assert _check(form, page, {}, {"scan": PostedFile("a.pdf", PDF * 30)})["scan"] == "The selected file must be smaller than 0.001 MB"
    assert _check(form, page, {}, {"scan": PostedFile("a.pdf", b"")})["scan"] == "The selected file is empty"
    result = validate_page(form, page, Posted({}, {"scan": PostedFile("a.pdf", PDF)}), {}, "en", TODAY)
    assert result.errors == [] and result.files["scan"].kind == "pdf"
    kept = validate_page(form, page, Posted({}), {"scan": {"upload": "f" * 32, "filename": "old.pdf"}}, "en", TODAY)
    assert kept.errors == [] and kept.answers["scan"]["filename"] == "old.pdf" and kept.files == {}


def test_file_names_are_only_data() -> None:
    assert clean_filename("../../etc/passwd") == "passwd"
    assert clean_filename("C:\\Users\\ana\\scan.pdf") == "scan.pdf"
    assert clean_filename("bad\r\nSubject: x.pdf") == "badSubject: x.pdf"
    assert clean_filename("...") == "file"
    long = clean_filename("x" * 300 + ".pdf")
    assert len(long) <= 120 and long.endswith(".pdf")


def test_prefill_and_how_answers_read() -> None:
    profile = {"name": "Ana", "address": {"street_address": "1 Main St\nApt 2", "locality": "X", "region": "WL", "postal_code": "12345"}}
    assert prefill_value(_field("n", "text", prefill="name"), profile) == "Ana"
    assert prefill_value(_field("n", "text", prefill="phone"), profile) is None
    assert prefill_value(_field("a", "address", prefill="address"), profile) == {
        "line1": "1 Main St", "line2": "Apt 2", "city": "X", "state": "WL", "postal_code": "12345"
    }
    assert prefill_value(_field("a", "textarea", prefill="address"), profile) == "1 Main St, Apt 2, X, WL, 12345"
    assert address_from_profile("not a mapping") is None
    assert answer_lines(_field("a", "address"), {"line1": "1 Main St", "line2": "", "city": "X", "postal_code": "1"}, "en") == ["1 Main St", "X", "1"]
    assert answer_lines(_field("y", "yesno"), "no", "en") == ["No"]
    assert answer_lines(_field("t", "textarea"), "one\ntwo", "en") == ["one", "two"]
    assert answer_lines(_field("t", "text", hint=EMPTY_TEXT), None, "en") == []

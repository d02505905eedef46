"""The analyzer follows from the locale tag alone: a new locale in the catalog needs no code."""

from __future__ import annotations

from portal.search.analysis import analyzer_for, describe, fold


def test_folding_everywhere() -> None:
    assert fold("Numéro ÉTÉ Straße") == "numero ete strasse"
    assert fold("Nộp đơn") == "nop don"
    assert fold("パスポート") == "パスポート"  # kana keep their voicing marks
    assert fold("Арендой ЁЛКА") == "арендой елка"  # й is a letter of its own; ё is written е anyway


def test_russian_stems_words_with_short_i() -> None:
    ru = analyzer_for("ru")
    assert ru.terms("Помощь с арендой жилья") == ru.terms("помощь аренда жилье")


def test_languages_whoosh_can_stem_get_stemming_and_stop_words() -> None:
    for tag in ("en", "en-GB", "es-MX", "fr-CA", "de", "pt-BR", "ru", "it"):
        assert "Snowball stemming" in describe(tag), tag
    assert analyzer_for("de").terms("Die Anträge") == analyzer_for("de").terms("antrag")
    assert analyzer_for("pt-BR").terms("licenças benefícios") == analyzer_for("pt-BR").terms(
        "licenca beneficio"
    )


def test_chinese_japanese_and_korean_become_bigrams() -> None:
    for tag in ("zh-Hans", "zh-Hant", "ja", "ko"):
        assert describe(tag) == "character bigrams", tag
    assert analyzer_for("ja").terms("旅券申請") == ["旅券", "券申", "申請"]
    assert analyzer_for("ko").terms("운전 면허") == ["운전", "면허"]
    assert analyzer_for("en").terms("申请SNAP") == ["申请", "snap"]  # in any locale's text


def test_other_languages_are_folded_and_split() -> None:
    for tag in ("tl-PH", "xx-Latn"):
        assert describe(tag).startswith("folding"), tag
    assert analyzer_for("vi").terms("Gia hạn bằng lái xe") == ["gia", "han", "bang", "lai", "xe"]
    assert analyzer_for("vi").terms("tội phạm") == ["toi", "pham"]  # no stop words: "tôi" (I) folds alike


def test_vietnamese_words_are_also_indexed_with_their_marks() -> None:
    vi = analyzer_for("vi")
    assert describe("vi") == "folding, marks kept too"
    assert vi.terms("Thuế nhà") == vi.terms("Thuê nha") == ["thue", "nha"]
    assert vi.marked_terms("Thuế nhà") == ["=thuế", "=nhà"]  # words without marks need no second term
    assert vi.marked_terms("Thuê nha") == ["=thuê"]
    assert analyzer_for("fr").marked_terms("Numéro") == []  # accents there are spelling, not meaning


def test_haitian_creole_and_tagalog_drop_their_question_and_filler_words() -> None:
    # Without them, "mwen" (I) was "corrected" to another word and led the results.
    assert analyzer_for("ht").terms("Kisa mwen bezwen pou m fè yon demann chomaj?") == ["fe", "demann", "chomaj"]
    assert analyzer_for("tl").terms("Paano ako mag-apply ng unemployment?") == ["apply", "unemployment"]
    assert analyzer_for("ht").terms("Nimewo ka mwen") == ["nimewo", "ka"]  # "ka": can, and also a case


def test_arabic_light_stemming_keeps_unrelated_words_apart() -> None:
    ar = analyzer_for("ar")
    assert describe("ar") == f"folding, light stemming, {len(ar.stopwords)} stop words"
    # The article, its prepositional forms, the conjunction and common suffixes come off...
    assert ar.terms("الأطفال للأطفال والأطفال") == ar.terms("أطفال") * 3
    assert ar.terms("بالسيارات") == ar.terms("سيارة")
    # ...and words that only share a root stay apart (a root stemmer merged these).
    for one, other in (
        ("ضريبة", "ضرب"),
        ("رخصة", "رخيص"),
        ("سيارة", "سيرة"),
        ("أسنان", "المسنين"),
        ("ولاية", "لا"),
        ("وحدة", "الحد"),
    ):
        assert ar.terms(one) != ar.terms(other), (one, other)
    # A word that begins with و keeps it, so its forms with and without the article still match.
    for word in ("وفاة", "ولادة", "وظيفة", "وكالة"):
        assert ar.terms(word) == ar.terms("ال" + word), word
    assert ar.terms("كيف أحصل على رخصة القيادة") == ar.terms("أحصل رخصة قيادة")
    assert ar.terms("كيف احصل علي رخصـة القيـادة") == ar.terms("أحصل رخصة قيادة")  # ي for ى, tatweel


def test_acronyms_of_capitalized_names_in_titles() -> None:
    from portal.search.documents import acronyms

    assert acronyms("Provision of a Social Insurance Number") == ["SIN"]
    assert "TANF" in acronyms("Temporary Assistance for Needy Families")  # linking words skipped
    assert acronyms("Canada Pension Plan (CPP) Benefits") == ["CPP"]  # punctuation and capitals end a run
    assert acronyms("Apply online for a UK passport") == []  # sentence case names nothing
    assert "WOG" in acronyms("Apply for the Westland Opportunity Grant")  # a title may start with a verb

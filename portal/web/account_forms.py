"""The profile form on the account page (flask-wtf: CSRF-checked like every form of the site)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, TelField
from wtforms.validators import Length, Optional, Regexp

from portal.accounts import Profile
from portal.accounts.profile import MAX_LENGTHS, PROFILE_FIELDS
from portal.i18n import _l, language_name


def _text(label: Any, name: str, autocomplete: str, field: type = StringField, *extra: Any) -> Any:
    return field(
        label,
        validators=[Optional(), Length(max=MAX_LENGTHS[name], message=_l("This is too long.")), *extra],
        render_kw={"autocomplete": autocomplete},
    )


class ProfileForm(FlaskForm):
    name = _text(_l("Full name"), "name", "name")
    given_name = _text(_l("First name"), "given_name", "given-name")
    family_name = _text(_l("Last name"), "family_name", "family-name")
    email = _text(
        _l("Email address"),
        "email",
        "email",
        EmailField,
        Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Enter an email address like name@example.com.")),
    )
    phone = _text(_l("Phone number"), "phone", "tel", TelField)
    # One line: HTML allows "street-address" only on a textarea (Nu HTML Checker error); address-line1 it is.
    street_address = _text(_l("Street address"), "street_address", "address-line1")
    locality = _text(_l("Town or city"), "locality", "address-level2")
    region = _text(_l("State"), "region", "address-level1")
    postal_code = _text(_l("ZIP code"), "postal_code", "postal-code")
    country = _text(_l("Country"), "country", "country-name")
    preferred_language = SelectField(_l("Preferred language"), validate_choice=True)

    def __init__(self, *args: Any, languages: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.preferred_language.choices = [("", _l("No preference"))] + [
            (tag, language_name(tag)) for tag in languages
        ]

    def fill(self, profile: Profile | None) -> None:
        for name in PROFILE_FIELDS:
            self[name].data = getattr(profile, name, "") if profile else ""


def form_to_profile(form: ProfileForm) -> Profile:
    return Profile(**{name: str(form[name].data or "") for name in PROFILE_FIELDS})

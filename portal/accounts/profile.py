"""The resident's saved details ("tell us once"): filled from the provider's claims, editable, exportable, deletable."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from sqlalchemy import select

from portal.storage import Database

from .models import Resident
from .sessions import end_all_sessions


@dataclass(frozen=True)
class Profile:
    name: str = ""
    given_name: str = ""
    family_name: str = ""
    email: str = ""
    phone: str = ""
    street_address: str = ""
    locality: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""
    preferred_language: str = ""

    def cleaned(self) -> Profile:
        return Profile(**{f.name: " ".join(str(getattr(self, f.name)).split()) for f in fields(self)})

    @property
    def address_lines(self) -> tuple[str, ...]:
        city = " ".join(p for p in (self.locality, self.region, self.postal_code) if p)
        return tuple(p for p in (self.street_address, city, self.country) if p)


PROFILE_FIELDS = tuple(f.name for f in fields(Profile))
MAX_LENGTHS = {
    name: Resident.__table__.columns[name].type.length  # type: ignore[attr-defined]
    for name in PROFILE_FIELDS
}


class ProfileError(Exception):
    """The details cannot be saved as they are; `field` names which one."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def profile_from_claims(claims: Mapping[str, Any], language: str = "") -> Profile:
    """What the provider said about the resident (ID token and userinfo claims), as a profile."""

    def text(value: Any, limit: int) -> str:
        return (
            " ".join(str(value).split())[:limit]
            if isinstance(value, str | int) and not isinstance(value, bool)
            else ""
        )

    address = claims.get("address") if isinstance(claims.get("address"), dict) else {}
    assert isinstance(address, dict)
    given, family = text(claims.get("given_name"), 100), text(claims.get("family_name"), 100)
    street = text(address.get("street_address"), 400)
    if not street and not address.get("locality") and address.get("formatted"):
        street = text(address.get("formatted"), 400)
    return Profile(
        name=text(claims.get("name"), 200) or " ".join(p for p in (given, family) if p),
        given_name=given,
        family_name=family,
        email=text(claims.get("email"), 320),
        phone=text(claims.get("phone_number"), 40),
        street_address=street,
        locality=text(address.get("locality"), 100),
        region=text(address.get("region"), 100),
        postal_code=text(address.get("postal_code"), 20),
        country=text(address.get("country"), 60),
        preferred_language=language,
    )


def record_sign_in(
    db: Database, *, provider: str, subject: str, claims: Mapping[str, Any], language: str, now: dt.datetime
) -> int:
    """The resident's id, creating them at first sign-in. Claims fill the profile's empty fields only: what the
    resident changed here stays as they wrote it."""
    from_provider = profile_from_claims(claims, language)
    with db.session() as session:
        resident = session.execute(
            select(Resident).where(Resident.provider == provider, Resident.subject == subject)
        ).scalar_one_or_none()
        if resident is None:
            resident = Resident(provider=provider, subject=subject, created_at=now, updated_at=now)
            session.add(resident)
        for name in PROFILE_FIELDS:
            if not getattr(resident, name) and getattr(from_provider, name):
                setattr(resident, name, getattr(from_provider, name))
        if claims.get("email") and claims.get("email") == resident.email:
            resident.email_verified = claims.get("email_verified") is True
        resident.last_sign_in_at = now
        session.flush()
        return resident.id


def load_profile(db: Database, resident_id: int) -> Profile | None:
    with db.session() as session:
        resident = session.get(Resident, resident_id)
        if resident is None:
            return None
        return Profile(**{name: getattr(resident, name) or "" for name in PROFILE_FIELDS})


def update_profile(
    db: Database, resident_id: int, profile: Profile, *, now: dt.datetime, languages: Sequence[str] = ()
) -> Profile:
    """Save the details the resident typed; ProfileError for a value that cannot be kept as typed."""
    profile = profile.cleaned()
    for name in PROFILE_FIELDS:
        if len(getattr(profile, name)) > MAX_LENGTHS[name]:
            raise ProfileError(name, f"{name} is longer than {MAX_LENGTHS[name]} characters")
    if profile.email and ("@" not in profile.email.strip("@") or " " in profile.email):
        raise ProfileError("email", "email is not an email address")
    if languages and profile.preferred_language and profile.preferred_language not in languages:
        raise ProfileError("preferred_language", "preferred_language is not a language of this site")
    with db.session() as session:
        resident = session.get(Resident, resident_id)
        if resident is None:
            raise ProfileError("", "there is no such resident")
        if profile.email != resident.email:
            resident.email_verified = False
        for name in PROFILE_FIELDS:
            setattr(resident, name, getattr(profile, name))
        resident.updated_at = now
    return profile


def export_profile(db: Database, resident_id: int) -> dict[str, Any] | None:
    """Everything the portal keeps about the resident, as JSON-ready data."""
    with db.session() as session:
        resident = session.get(Resident, resident_id)
        if resident is None:
            return None
        profile = Profile(**{name: getattr(resident, name) or "" for name in PROFILE_FIELDS})
        return {
            "profile": {**asdict(replace(profile)), "email_verified": bool(resident.email_verified)},
            "sign_in": {"provider": resident.provider, "subject": resident.subject},
            "created_at": _iso(resident.created_at),
            "updated_at": _iso(resident.updated_at),
            "last_sign_in_at": _iso(resident.last_sign_in_at),
        }


def delete_resident(db: Database, resident_id: int) -> bool:
    """Forget the resident: their details and every session they have, on every device."""
    end_all_sessions(db, resident_id)
    with db.session() as session:
        resident = session.get(Resident, resident_id)
        if resident is None:
            return False
        session.delete(resident)
        return True


def prefill_values(profile: Profile | None) -> dict[str, str]:
    """Values for form fields by their catalog `prefill` key (name, given_name, family_name, email, phone, address)."""
    if profile is None:
        return {}
    return {
        "name": profile.name,
        "given_name": profile.given_name,
        "family_name": profile.family_name,
        "email": profile.email,
        "phone": profile.phone,
        "address": "\n".join(profile.address_lines),
    }


def _iso(value: dt.datetime | None) -> str | None:
    return value.replace(tzinfo=dt.UTC).isoformat() if value else None

"""What an agency receives: one JSON document per submission (webhook body; attached to email deliveries)."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any

from portal.catalog.model import Catalog
from portal.submissions.uploads import CONTENT_TYPES, read_upload

from .outbox import Claim

PAYLOAD_VERSION = 1


def _iso(moment: dt.datetime) -> str:
    return moment.replace(microsecond=0).isoformat() + "Z"


def submission_payload(claim: Claim, catalog: Catalog | None, data_dir: str | Path, base_url: str = "") -> dict[str, Any]:
    service = catalog.services.get(claim.service_id) if catalog else None
    form_fields = {f.id: f for f in service.delivery.fields()} if service and service.delivery.type == "form" else {}
    answers: dict[str, Any] = {}
    files: list[dict[str, Any]] = []
    for field_id, value in claim.answers.items():
        if isinstance(value, dict) and value.get("upload"):
            kind = str(value.get("kind", ""))
            meta = {
                "filename": value.get("filename", ""),
                "content_type": CONTENT_TYPES.get(kind, "application/octet-stream"),
                "size": value.get("size"),
                "sha256": value.get("sha256"),
            }
            answers[field_id] = meta
            content = read_upload(data_dir, str(value["upload"]))
            files.append({"field": field_id, **meta, "content_base64": base64.b64encode(content).decode()})
        else:
            answers[field_id] = value
    document: dict[str, Any] = {
        "version": PAYLOAD_VERSION,
        "reference": claim.reference,
        "service": {
            "id": claim.service_id,
            "title": service.title.get(catalog.default_locale).text if service and catalog else claim.service_id,
        },
        "agency": claim.agency_id,
        "submitted_at": _iso(claim.submitted_at),
        "locale": claim.locale,
        "answers": answers,
        "labels": {
            fid: form_fields[fid].label.get(catalog.default_locale).text
            for fid in answers
            if fid in form_fields and catalog
        },
        "files": files,
    }
    if base_url:
        document["status_url"] = base_url.rstrip("/") + f"/api/submissions/{claim.reference}/status"
    return document


def encode(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=False).encode("utf-8")

"""What is checked on a page: axe-core (WCAG 2.2 A/AA), the Nu HTML Checker, keyboard focus, layout, headers."""

from __future__ import annotations

import hashlib
import json
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tests.browser.harness import Tools

if TYPE_CHECKING:
    from playwright.sync_api import Page

# WCAG 2.0, 2.1 and 2.2, levels A and AA, and axe's best practices (landmarks, one h1, heading order...).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
# The rules whose outcome depends on the viewport, for a second, cheaper run at another width.
LAYOUT_RULES = ["target-size", "meta-viewport", "meta-viewport-large", "scrollable-region-focusable"]


def axe_violations(page: Page, rules: list[str] | None = None) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (axe is injected by the context's init script):
    every rule tagged AXE_TAGS, or only `rules`."""
    if not page.evaluate("typeof window.axe === 'object'"):
        raise AssertionError("axe-core is not loaded: the context needs add_init_script(path=tools.axe_js)")
    only = {"type": "rule", "values": rules} if rules else {"type": "tag", "values": AXE_TAGS}
    result = page.evaluate("only => axe.run(document, {runOnly: only, resultTypes: ['violations']})", only)
    return list(result["violations"])


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"][:5]:
            lines.append(f"    at {' '.join(map(str, node['target']))}: {node['html'][:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"       {summary[:300]}")
        if len(v["nodes"]) > 5:
            lines.append(f"    ... and {len(v['nodes']) - 5} more")
    return "\n".join(lines)


# --- the Nu HTML Checker -----------------------------------------------------------------------------------


class HtmlChecker:
    """vnu.jar, batched: one java run checks many documents; a document already checked is not checked again."""

    def __init__(self, tools: Tools) -> None:
        self.tools = tools
        self._errors: dict[str, list[str]] = {}  # sha256 of the document -> its errors

    def check(self, documents: dict[str, str]) -> dict[str, list[str]]:
        """name -> HTML in; name -> error messages out (empty when valid)."""
        digests = {name: hashlib.sha256(html.encode()).hexdigest() for name, html in documents.items()}
        todo = {d: documents[name] for name, d in digests.items() if d not in self._errors}
        if todo:
            self._errors.update(self._run(todo))
        return {name: self._errors[d] for name, d in digests.items()}

    def _run(self, documents: dict[str, str]) -> dict[str, list[str]]:
        with tempfile.TemporaryDirectory(prefix="portal-vnu-") as tmp:
            paths = []
            for digest, html in documents.items():
                path = Path(tmp) / f"{digest}.html"
                path.write_text(html, encoding="utf-8")
                paths.append(str(path))
            # C1-only JIT starts faster for one short batch; the checker needs a deep stack (it says so otherwise).
            command = [self.tools.java, "-Xss16m", "-XX:TieredStopAtLevel=1", "-jar", str(self.tools.vnu_jar)]
            command += ["--errors-only", "--format", "json", *paths]
            done = subprocess.run(command, capture_output=True, text=True, timeout=300)
        try:
            report = json.loads(done.stderr or done.stdout)
        except json.JSONDecodeError as exc:
            raise AssertionError(
                f"vnu.jar did not report JSON (exit {done.returncode}): {done.stderr[:2000]}"
            ) from exc
        errors: dict[str, list[str]] = {digest: [] for digest in documents}
        for message in report.get("messages", []):
            if message.get("type") not in ("error", "non-document-error"):
                continue
            # vnu names each file by URL (file:/tmp/...); its file name is the digest.
            digest = Path(urlsplit(message.get("url", "")).path).stem
            text = f"line {message.get('lastLine', '?')}: {message.get('message')}"
            extract = (message.get("extract") or "").strip().replace("\n", " ")
            if extract:
                text += f"  [{extract[:120]}]"
            if digest not in errors:
                raise AssertionError(f"vnu.jar failed: {text}")
            errors[digest].append(text)
        if done.returncode != 0 and not any(errors.values()):
            raise AssertionError(
                f"vnu.jar exited {done.returncode} without naming an error: {done.stderr[:2000]}"
            )
        return errors


# --- keyboard ----------------------------------------------------------------------------------------------

# Everything a keyboard user should be able to reach, marked with an index so focus stops can be matched to it.
MARK_TABBABLES = """() => {
  const selector = 'a[href], area[href], button, input:not([type=hidden]), select, textarea, summary, iframe,'
    + ' [tabindex], [contenteditable=""], [contenteditable=true]';
  const found = [];
  for (const el of document.querySelectorAll(selector)) {
    if (el.disabled || el.getAttribute('tabindex') === '-1' || el.closest('[inert]')) continue;
    if (el.tagName === 'SUMMARY' && el.parentElement.querySelector(':scope > summary') !== el) continue;
    if (!el.checkVisibility({visibilityProperty: true}) && !el.classList.contains('skip-link')) continue;
    el.dataset.tabbable = String(found.length);
    found.push(describe(el));
  }
  return found;
  function describe(el) {
    const text = (el.getAttribute('aria-label') || el.textContent || el.value || el.name || '').trim();
    return `${el.tagName.toLowerCase()} "${text.replace(/\\s+/g, ' ').slice(0, 50)}"`;
  }
}"""

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const style = getComputedStyle(el);
  const rect = el.getBoundingClientRect();
  const width = parseFloat(style.outlineWidth) || 0;
  const visible = rect.width > 0 && rect.height > 0 && rect.bottom > 0 && rect.right > 0
    && rect.top < innerHeight && rect.left < innerWidth;
  return {
    index: el.dataset.tabbable ?? null,
    tag: el.tagName.toLowerCase(),
    id: el.id,
    className: el.className,
    text: (el.textContent || el.value || '').trim().replace(/\\s+/g, ' ').slice(0, 50),
    outline: style.outlineStyle !== 'none' && width >= 2,
    shadow: style.boxShadow !== 'none',
    inViewport: visible,
  };
}"""


@dataclass(frozen=True)
class FocusStop:
    index: str | None
    tag: str
    id: str
    class_name: str
    text: str
    outline: bool
    shadow: bool
    in_viewport: bool

    @property
    def indicated(self) -> bool:
        return self.outline or self.shadow

    def __str__(self) -> str:
        return f'{self.tag}{"#" + self.id if self.id else ""} "{self.text}"'


def focused(page: Page) -> FocusStop | None:
    found = page.evaluate(FOCUSED)
    if found is None:
        return None
    return FocusStop(
        found["index"],
        found["tag"],
        found["id"],
        found["className"],
        found["text"],
        found["outline"],
        found["shadow"],
        found["inViewport"],
    )


def tab_through(page: Page, limit: int = 400) -> tuple[list[str], list[FocusStop]]:
    """Press Tab on a freshly loaded page until focus leaves it; returns (every tabbable element, the focus stops)."""
    tabbables: list[str] = page.evaluate(MARK_TABBABLES)
    stops: list[FocusStop] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = focused(page)
        if stop is None or (stops and stop.index is not None and stop.index == stops[0].index):
            break
        stops.append(stop)
    return tabbables, stops


# --- layout ------------------------------------------------------------------------------------------------


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the viewport (0: no horizontal scrolling)."""
    return int(
        page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


# Two different characters drawn in the element's font: a missing font draws the same empty box for both.
GLYPHS_DIFFER = """([selector, a, b]) => {
  const font = getComputedStyle(document.querySelector(selector)).font;
  const draw = ch => {
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 64;
    const ctx = canvas.getContext('2d');
    ctx.font = font.replace(/\\d+(\\.\\d+)?px/, '40px');
    ctx.fillText(ch, 4, 48);
    return Array.from(ctx.getImageData(0, 0, 64, 64).data).join();
  };
  return draw(a) !== draw(b);
}"""


def glyphs_render(page: Page, selector: str, a: str, b: str) -> bool:
    """Whether two characters look different in the font of `selector` (False: they are both boxes, tofu)."""
    return bool(page.evaluate(GLYPHS_DIFFER, [selector, a, b]))


def security_header_problems(headers: dict[str, str], production: bool = True) -> list[str]:
    """What is wrong with an HTML response's security headers (lower-case names, as Playwright gives them)."""
    problems = []
    csp = headers.get("content-security-policy", "")
    if not csp:
        problems.append("no Content-Security-Policy")
    if "unsafe-inline" in csp or "unsafe-eval" in csp:
        problems.append(f"CSP allows inline code: {csp}")
    if "frame-ancestors 'none'" not in csp:
        problems.append("CSP lacks frame-ancestors 'none'")
    if "default-src 'self'" not in csp:
        problems.append("CSP lacks default-src 'self'")
    if headers.get("x-content-type-options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    if not headers.get("referrer-policy"):
        problems.append("no Referrer-Policy")
    if production and "max-age=" not in headers.get("strict-transport-security", ""):
        problems.append("no Strict-Transport-Security")
    return problems

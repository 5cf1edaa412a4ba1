"""The duty desk page (值班签到) the office screen shows: the post, the shift on duty and
who holds it, the rotating sign-in QR code (inline SVG drawn with segno, refreshed by a
small script every rotation) and the last handover (交接) of the shift before."""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from html import escape

import segno

from services.scheduling.domain.calendar_time import CAMPUS_TZ
from services.scheduling.domain.desk import CheckIn, HandoverNote, ShiftHandovers
from services.scheduling.domain.desk_code import SignInCode
from services.scheduling.service.desk import DeskScreen

# A QR module is this many CSS pixels: big enough to scan from across the office.
QR_SCALE = 8
NOTE_LABELS = (
    ("work_done", "当日工作情况"),
    ("problems", "遇到的问题"),
    ("unfinished_tasks", "未完成的工作任务"),
    ("important_notes", "重要提示"),
)

_STYLE = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2rem;color:#222}
h1{margin:0 0 1rem}main{display:flex;gap:3rem;flex-wrap:wrap}
section{min-width:18rem}#qr svg{display:block}ul{padding-left:1.2rem}
.late{color:#b35900}.missed{color:#b00020}.muted{color:#777}
dt{font-weight:bold;margin-top:.5rem}dd{margin:0;white-space:pre-wrap}
"""

_SCRIPT = """
(function () {
  var qr = document.getElementById("qr");
  var rotates = document.getElementById("rotates");
  var codeUrl = CODE_URL, shiftId = SHIFT_ID;
  function later(ms) { window.setTimeout(refresh, Math.max(1000, ms)); }
  function refresh() {
    fetch(codeUrl, {cache: "no-store", headers: {"Accept": "application/json"}})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (d) {
        if (d.shift_id !== shiftId) { window.location.reload(); return; }
        qr.innerHTML = d.svg;
        rotates.textContent = new Date(d.rotates_at).toLocaleTimeString(
          "zh-CN", {timeZone: "Asia/Shanghai", hour12: false});
        later(d.rotates_in_s * 1000 + 250);
      })
      .catch(function () { later(5000); });
  }
  later(FIRST_MS);
})();
"""


def qr_svg(code: str) -> str:
    """The code as an inline SVG QR code (dark on white, with its quiet zone)."""
    qr = segno.make(code, error="m", micro=False)
    svg: str = qr.svg_inline(
        scale=QR_SCALE, border=4, dark="#000", light="#fff", svgclass="qr", title="签到二维码"
    )
    return svg


def _local(at: datetime, pattern: str = "%H:%M") -> str:
    return at.astimezone(CAMPUS_TZ).strftime(pattern)


def _js(value: object) -> str:
    """A value for a script: JSON, with `</` broken so it cannot end the script element."""
    return json.dumps(value).replace("</", "<\\/")


def _holders(screen: DeskScreen) -> str:
    assert screen.shift is not None
    signed: dict[str, CheckIn] = {c.person_id: c for c in screen.check_ins}
    items = []
    for person in screen.shift.holders:
        found = signed.get(person)
        if found is not None:
            late = '<span class="late">（迟到）</span>' if found.late else ""
            state = f"已签到 {_local(found.checked_in_at)}{late}"
        elif person in screen.missed:
            state = '<span class="missed">未签到（缺勤）</span>'
        else:
            state = '<span class="muted">未签到</span>'
        items.append(f"<li>{escape(person)} · {state}</li>")
    return "<ul id='holders'>" + "".join(items) + "</ul>" if items else "<p>（无人）</p>"


def _shift_section(screen: DeskScreen) -> str:
    shift = screen.shift
    if shift is None:
        return "<section id='shift'><h2>当前班次</h2><p>当前没有值班班次</p></section>"
    place = f" · {escape(shift.place)}" if shift.place else ""
    when = f"{_local(shift.starts_at, '%m月%d日 %H:%M')}–{_local(shift.ends_at)}"
    return (
        f"<section id='shift' data-shift-id='{shift.shift_id}'><h2>当前班次</h2>"
        f"<p>{when}{place}</p><h3>值班人员</h3>{_holders(screen)}</section>"
    )


def _note(note: HandoverNote) -> str:
    parts = []
    for field, label in NOTE_LABELS:
        text = getattr(note, field)
        parts.append(f"<dt>{label}</dt><dd>{escape(text) if text else '无'}</dd>")
    return "<dl>" + "".join(parts) + "</dl>"


def _handover_section(found: ShiftHandovers | None) -> str:
    if found is None:
        return "<section id='handover'><h2>交接</h2><p>暂无交接记录</p></section>"
    when = f"{_local(found.starts_at, '%m月%d日 %H:%M')}–{_local(found.ends_at)}"
    notes = "".join(
        f"<article><h3>{escape(h.person_id)} · {_local(h.recorded_at, '%m月%d日 %H:%M')}</h3>"
        f"{_note(h.note)}</article>"
        for h in found.notes
    )
    return f"<section id='handover'><h2>交接</h2><p>上一班次 {when}</p>{notes}</section>"


def render_desk_page(
    screen: DeskScreen, *, code: SignInCode, code_url: str, rotation_s: int, now: datetime
) -> tuple[str, str]:
    """(the page's HTML, the nonce its script runs under by the page's CSP)."""
    nonce = secrets.token_urlsafe(16)
    first_ms = max(0.0, (code.rotates_at - now).total_seconds()) * 1000 + 250
    shift_id = str(screen.shift.shift_id) if screen.shift is not None else None
    script = (
        _SCRIPT.replace("CODE_URL", _js(code_url))
        .replace("SHIFT_ID", _js(shift_id))
        .replace("FIRST_MS", _js(round(first_ms)))
    )
    post = escape(screen.post)
    page = f"""<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>值班签到 · {post}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<style>{_STYLE}</style></head>
<body>
<h1>学生会办公室值班 · {post}</h1>
<main>
{_shift_section(screen)}
<section id="sign-in"><h2>值班签到</h2>
<div id="qr">{qr_svg(code.text)}</div>
<p>请用校园App扫描二维码签到（二维码每{rotation_s}秒更新，本码
<span id="rotates">{_local(code.rotates_at, "%H:%M:%S")}</span> 更新）</p></section>
{_handover_section(screen.handover)}
</main>
<script nonce="{nonce}">{script}</script>
</body></html>"""
    return page, nonce

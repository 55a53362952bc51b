"""A trace drawn as a flow between streams: server-side SVG, nothing fetched by the browser.

One lane per stream (in the order the trace first wrote to it, labelled with the stream and
its category), one row per message (in global order). Each message is a dot on its stream's
lane; an arrow joins it to the message that caused it (its ``causationMessage…`` metadata),
when that message is in the trace. The SVG is text escaped like the rest of the page.
"""

from __future__ import annotations

from html import escape

from message_store import StoredMessage
from message_store import category as category_of

LANE_WIDTH = 200
ROW_HEIGHT = 40
TOP = 70
LEFT = 20
_COLOURS = ("#4f46e5", "#0e7490", "#b45309", "#047857", "#be123c", "#7c3aed", "#334155")


def _short(stream_name: str, width: int = 26) -> str:
    return stream_name if len(stream_name) <= width else f"{stream_name[: width - 1]}…"


def trace_svg(messages: list[StoredMessage]) -> str:
    """The SVG of a trace's messages (already in global order)."""
    lanes: dict[str, int] = {}
    for message in messages:
        lanes.setdefault(message.stream_name, len(lanes))
    width = LEFT * 2 + LANE_WIDTH * max(len(lanes), 1)
    height = TOP + ROW_HEIGHT * (len(messages) + 1)
    row_of = {(m.stream_name, m.position): row for row, m in enumerate(messages)}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="trace" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="The flow of {len(messages)} messages between {len(lanes)} streams">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#64748b"/></marker></defs>',
    ]
    for stream_name, lane in lanes.items():
        x = _x(lane)
        colour = _COLOURS[lane % len(_COLOURS)]
        parts.append(
            f'<line x1="{x}" y1="{TOP - 10}" x2="{x}" y2="{height - 10}" '
            f'stroke="{colour}" stroke-opacity="0.25" stroke-width="2"/>'
        )
        parts.append(
            f'<text x="{x}" y="24" text-anchor="middle" font-size="12" font-weight="600" '
            f'fill="{colour}">{escape(category_of(stream_name))}</text>'
        )
        parts.append(
            f'<text x="{x}" y="42" text-anchor="middle" font-size="10" fill="#475569">'
            f"<title>{escape(stream_name)}</title>{escape(_short(stream_name))}</text>"
        )
    for row, message in enumerate(messages):
        lane = lanes[message.stream_name]
        x, y = _x(lane), TOP + ROW_HEIGHT * row + ROW_HEIGHT // 2
        metadata = message.metadata
        position = metadata.causation_message_position
        cause_key = (
            metadata.causation_message_stream_name or "",
            -1 if position is None else position,
        )
        cause = row_of.get(cause_key)
        if cause is not None:
            source = messages[cause]
            sx = _x(lanes[source.stream_name])
            sy = TOP + ROW_HEIGHT * cause + ROW_HEIGHT // 2
            parts.append(
                f'<path d="M{sx},{sy} C{sx},{y} {sx},{y} {x - 8 if x > sx else x + 8},{y}" '
                'fill="none" stroke="#64748b" stroke-width="1.5" marker-end="url(#arrow)"/>'
            )
        colour = _COLOURS[lane % len(_COLOURS)]
        parts.append(f'<circle cx="{x}" cy="{y}" r="6" fill="{colour}"/>')
        parts.append(
            f'<text x="{x + 12}" y="{y + 4}" font-size="12" fill="#1d2433">'
            f'{escape(message.type)} <tspan fill="#64748b">#{message.position}</tspan></text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _x(lane: int) -> int:
    return LEFT + LANE_WIDTH * lane + LANE_WIDTH // 2

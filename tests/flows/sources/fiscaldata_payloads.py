"""Hand-made Fiscal Data API payloads for the Fiscal Data tests: the JSON envelope with its paging links, a Debt
to the Penny row and an MSPD summary row."""

from __future__ import annotations

import json


def envelope(rows, *, page=1, pages=1, size=2, next_link="auto") -> bytes:
    link = lambda n: f"&page%5Bnumber%5D={n}&page%5Bsize%5D={size}"  # noqa: E731
    nxt = (link(page + 1) if page < pages else None) if next_link == "auto" else next_link
    return json.dumps(
        {
            "data": rows,
            "meta": {"count": len(rows), "total-count": len(rows) * pages, "total-pages": pages},
            "links": {
                "self": link(page),
                "first": link(1),
                "prev": None if page == 1 else link(page - 1),
                "next": nxt,
                "last": link(pages),
            },
        },
        separators=(",", ":"),
    ).encode()


def penny(day, public="1.25", intragov="2.50", total="3.75"):
    return {
        "record_date": day,
        "debt_held_public_amt": public,
        "intragov_hold_amt": intragov,
        "tot_pub_debt_out_amt": total,
        "src_line_nbr": "1",
    }


def summary_row(cls="Bills", public="*", intragov="0.5", total="0.5"):
    return {
        "record_date": "2026-09-30",
        "security_type_desc": "Marketable",
        "security_class_desc": cls,
        "debt_held_public_mil_amt": public,
        "intragov_hold_mil_amt": intragov,
        "total_mil_amt": total,
    }

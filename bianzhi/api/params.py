"""Query-string parameters parsed with the same parsers and codes as bodies."""

from __future__ import annotations

import datetime as dt
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from bianzhi.core.codes import normalise_doc_no, to_halfwidth
from bianzhi.core.dates import parse_date
from bianzhi.core.errors import ApplicationError, ErrorCode


def text(request, name: str) -> str:
    return to_halfwidth(str(request.query_params.get(name, ""))).strip()


def date(request, name: str) -> dt.date | None:
    value = text(request, name)
    return parse_date(value, field=name) if value else None


def choice(request, name: str, choices) -> str | None:
    value = text(request, name)
    if not value:
        return None
    labels = dict(choices)
    if value in labels:
        return value
    for code, label in labels.items():
        if value == str(label):
            return code
    allowed = "、".join(str(code) for code in labels)
    raise ApplicationError(
        ErrorCode.VALUE_INVALID,
        f"「{name}」应为以下之一：{allowed}",
        field=name,
        params={"value": value},
    )


def doc_no(request, name: str = "doc_no") -> str | None:
    """A 文号 or a part of one (the ledger search matches substrings).

    A whole 文号 is normalised like a body's (济编(2024)12号 → 济编〔2024〕12号);
    a fragment gets only its brackets normalised.
    """
    value = text(request, name)
    if not value:
        return None
    try:
        return normalise_doc_no(value)
    except ApplicationError:
        value = value.replace(" ", "")
        for opening in "[(【［（":
            value = value.replace(opening, "〔")
        for closing in "])】］）":
            value = value.replace(closing, "〕")
        return value


def query(name: str, description: str, type_: Any = OpenApiTypes.STR, **kw):
    return OpenApiParameter(
        name, type_, OpenApiParameter.QUERY, description=description, **kw
    )


AS_OF = query("as_of", "查询日期（YYYY-MM-DD），默认今天", OpenApiTypes.DATE)

"""A logging filter that masks 公民身份号码 before a record reaches any output.

Installed on every handler in settings.LOGGING (a handler's filters see the
records propagated from child loggers too; a logger's filters would not).
An ID number can reach a log line through a message argument (a request
path, a query string, a database error naming a duplicate key, an
ApplicationError message such as 「张三（1101…）在某单位在编」): the filter
masks the formatted message, the formatted traceback and the stack text.
Records without an ID number are left exactly as they were.
"""

from __future__ import annotations

import logging

from .privacy import contains_id, mask_text

_FORMATTER = logging.Formatter()


class IdNumberMaskFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            # A broken format string is the handler's to report, unmasked
            # arguments are not: drop the arguments into the text ourselves.
            message = f"{record.msg} {record.args!r}"
        if contains_id(message):
            # Formatted once here: the arguments may be any objects, and only
            # the text they produce is known to be safe after masking.
            record.msg, record.args = mask_text(message), ()
        if record.exc_info and not record.exc_text:
            # Formatter.format uses exc_text when it is set, so the masked
            # traceback is the one every handler writes.
            record.exc_text = _FORMATTER.formatException(record.exc_info)
        if record.exc_text and contains_id(record.exc_text):
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info and contains_id(record.stack_info):
            record.stack_info = mask_text(record.stack_info)
        return True

"""`bianzhi daily [--today YYYY-MM-DD]`: scheduled and periodic work, idempotent.

Runs each domain's `daily.run(actor=..., today=...)`; a domain whose module
does not exist yet is skipped with a note.
"""

from __future__ import annotations

import importlib

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from bianzhi.core.actor import Actor
from bianzhi.core.dates import parse_date
from bianzhi.core.errors import ApplicationError

DOMAIN_DAILY = [
    ("bianzhi.orgs.daily", "机构"),
    ("bianzhi.quota.daily", "编制"),
    ("bianzhi.exchange.daily", "数据交换"),
    ("bianzhi.approvals.daily", "审批"),
]


class Command(BaseCommand):
    help = "每日任务：待生效变动到期入账、到期提醒等（可重复执行）"

    def add_arguments(self, parser):
        parser.add_argument("--today", help="按指定日期运行（YYYY-MM-DD），默认今天")

    def handle(self, *args, **options):
        try:
            today = (
                parse_date(options["today"], field="today")
                if options.get("today")
                else timezone.localdate()
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        actor = Actor.system("每日任务")
        self.stdout.write(f"每日任务：{today}")
        for module_name, label in DOMAIN_DAILY:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if not (exc.name and (module_name + ".").startswith(exc.name + ".")):
                    raise  # a real import error inside an existing module
                self.stdout.write(f"{label}：模块尚未提供，已跳过")
                continue
            for line in module.run(actor=actor, today=today):
                self.stdout.write(f"{label}：{line}")

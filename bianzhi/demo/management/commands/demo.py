"""`bianzhi demo [--persons N] [--seed S] [--if-empty] [--logins]`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from bianzhi.core.errors import ApplicationError
from bianzhi.demo.builder import DemoError, DemoNotEmpty, build_demo
from bianzhi.demo.logins import DEMO_PASSWORD, logins_table


class Command(BaseCommand):
    help = "向空数据库载入示例市（示例数据，可用 --seed 复现）"

    def add_arguments(self, parser):
        parser.add_argument(
            "--persons",
            type=int,
            default=0,
            help="实名制人员数（含历年出编人员），默认 0 不生成",
        )
        parser.add_argument(
            "--seed", type=int, default=2026, help="随机种子，默认 2026"
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="数据库非空时不做任何事并正常退出",
        )
        parser.add_argument(
            "--logins", action="store_true", help="只显示示例账号表，不载入数据"
        )
        parser.add_argument(
            "--scale",
            choices=("full", "small"),
            default="full",
            help="规模：full 完整示例市，small 精简（测试用）",
        )

    def handle(self, *args, **options):
        if options["logins"]:
            self._print_logins()
            return
        if options["persons"] < 0:
            raise CommandError("--persons 必须为非负整数")
        try:
            report = build_demo(
                seed=options["seed"],
                scale=options["scale"],
                persons=options["persons"],
            )
        except DemoNotEmpty:
            if options["if_empty"]:
                self.stdout.write("数据库中已有数据，未载入示例数据（--if-empty）。")
                self._print_logins()
                return
            raise CommandError(
                "数据库中已有机构或编制数据，示例数据只能载入空数据库。"
                "如需在已有数据时跳过，请加 --if-empty；如需重新载入，请换用新的数据库。"
            ) from None
        except DemoError as exc:
            raise CommandError(f"未载入示例数据：{exc}") from None
        except ApplicationError as exc:
            # A rule refused a write: nothing was kept (one transaction).
            raise CommandError(f"示例数据载入失败，未写入任何数据：{exc}") from None
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write("")
        self._print_logins()

    def _print_logins(self):
        self.stdout.write(f"示例账号（密码均为 {DEMO_PASSWORD}）：")
        self.stdout.write(logins_table())

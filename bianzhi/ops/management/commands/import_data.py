"""`bianzhi import units|roster|offquota FILE [--commit] [--valid-only]
[--accept-excess] [--report OUT.xlsx] [--json]` (cli.py maps `import` here:
a module cannot be named after the keyword).

Dry run by default: the file is checked completely (every rule, inside a
transaction that is rolled back) and nothing is written. --commit writes
only when no row has a problem; with --valid-only the valid rows are written
in file order and the others reported. Exit status 1 when any problem was
found (then nothing is written unless --valid-only). Runs as the system
actor, which acts for the establishment office.
"""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from bianzhi.core.actor import Actor
from bianzhi.exchange.imports import run_import
from bianzhi.exchange.models import ImportKind

SHOWN_ERRORS = 20


class Command(BaseCommand):
    help = (
        "导入机构编制台账、实名制人员信息或编外人员（默认只检查不写入，--commit 写入）"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "kind", choices=ImportKind.values, help="units | roster | offquota"
        )
        parser.add_argument("file", help="要导入的 .xlsx 或 .csv 文件")
        parser.add_argument(
            "--commit", action="store_true", help="写入数据（默认只检查）"
        )
        parser.add_argument(
            "--valid-only",
            action="store_true",
            help="有错误时仍按文件顺序导入有效行，报告错误行",
        )
        parser.add_argument(
            "--accept-excess",
            action="store_true",
            help="超出核定编制的人员也导入，并将该账户记为超编（初始化导入时已超编）",
        )
        parser.add_argument("--report", help="把错误报告写入该 .xlsx 文件")
        parser.add_argument("--json", action="store_true", help="以JSON输出结果")

    def handle(self, *args, **options):
        report = options.get("report")
        if report and not str(report).lower().endswith(".xlsx"):
            raise CommandError("--report 须为 .xlsx 文件")
        quiet = options["json"]

        def progress(done: int, total: int | None) -> None:
            if not quiet and done and done % 50000 == 0:
                of = f"/{total}" if total else ""
                self.stderr.write(f"已读取 {done}{of} 行…")

        result = run_import(
            actor=Actor.system("命令行导入"),
            kind=options["kind"],
            path=options["file"],
            commit=options["commit"],
            valid_only=options["valid_only"],
            accept_excess=options["accept_excess"],
            report_path=report,
            progress=progress,
        )
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "ok": result.ok,
                        "kind": result.kind,
                        "filename": result.filename,
                        "sha256": result.sha256,
                        "dry_run": result.dry_run,
                        "committed": result.committed,
                        "duplicate": result.duplicate,
                        "rows": result.rows,
                        "accepted": result.accepted,
                        "refused": result.refused,
                        "by_code": result.counts_by_code(),
                        "errors": [e.as_dict() for e in result.errors],
                        "run_id": result.run_id,
                    },
                    ensure_ascii=False,
                )
            )
        else:
            self._print(result, options, report)
        if result.errors:
            sys.stdout.flush()
            raise SystemExit(1)

    def _print(self, result, options, report) -> None:
        write = self.stdout.write
        mode = "导入" if result.committed or not result.dry_run else "检查（未写入）"
        write(f"{ImportKind(result.kind).label}{mode}：{result.filename}")
        if result.sha256:
            write(f"文件SHA-256：{result.sha256}")
        write(
            f"数据行：{result.rows}　有效：{result.accepted}　"
            f"有错误的行：{result.refused}　问题：{len(result.errors)}处"
        )
        if result.errors:
            counts = "，".join(
                f"{code} {n}" for code, n in result.counts_by_code().items()
            )
            write(f"问题分类：{counts}")
            write(f"前{min(SHOWN_ERRORS, len(result.errors))}个问题：")
            for error in result.errors[:SHOWN_ERRORS]:
                write(f"  {error.text}（{error.code}）")
            if len(result.errors) > SHOWN_ERRORS:
                write(
                    f"  ……另有{len(result.errors) - SHOWN_ERRORS}个问题，见错误报告（--report）"
                )
        if result.committed:
            text = f"结果：已写入{result.accepted}行"
            if result.refused:
                text += f"，有错误的{result.refused}行未导入"
            write(text + "。")
        elif result.duplicate:
            write("结果：该文件已导入，未写入任何数据。")
        elif result.dry_run:
            if result.errors:
                write(
                    "结果：检查发现问题，未写入任何数据。改正后再导入，或加 --valid-only 仅导入有效行。"
                )
            else:
                write("结果：检查通过，未写入任何数据。加 --commit 写入。")
        else:
            hint = (
                ""
                if options["valid_only"]
                else "改正后再导入，或加 --valid-only 仅导入有效行。"
            )
            write(f"结果：有错误，未写入任何数据。{hint}")
        if report:
            write(f"错误报告：{report}")

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bianzhi.core import audit, chain


class Command(BaseCommand):
    help = "审计链：verify 校验整条链（可带检查点）；checkpoint 导出签名检查点"
    # Verification is forensic work: it must run even when another part of the
    # installation (URLs, templates) fails Django's system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify")
        verify.add_argument("--checkpoint", help="签名检查点文件")
        verify.add_argument("--json", action="store_true")
        checkpoint = sub.add_parser("checkpoint")
        checkpoint.add_argument("--out", required=True)

    def handle(self, *args, **options):
        if options["action"] == "checkpoint":
            data = audit.make_checkpoint()
            Path(options["out"]).write_text(
                json.dumps(data, ensure_ascii=False, indent=2)
            )
            self.stdout.write(f"检查点已写入 {options['out']}：第{data['seq']}号事件")
            return
        checkpoint = None
        if options.get("checkpoint"):
            try:
                raw = json.loads(Path(options["checkpoint"]).read_text())
                checkpoint = audit.load_checkpoint(raw)
            except (OSError, ValueError, KeyError) as exc:
                raise CommandError(f"检查点无效：{exc}") from exc
        report = audit.verify_chain(checkpoint, workers=chain.default_workers())
        if options.get("json"):
            self.stdout.write(
                json.dumps(
                    {
                        "ok": report.ok,
                        "head_seq": report.head_seq,
                        "checked": report.checked,
                        "first_bad_seq": report.first_bad_seq,
                        "problems": report.problems,
                    },
                    ensure_ascii=False,
                )
            )
        elif report.ok:
            self.stdout.write(
                f"审计链完好：共{report.checked}个事件，链头第{report.head_seq}号"
            )
        else:
            for problem in report.problems:
                self.stderr.write(problem["message"])
        if not report.ok:
            raise SystemExit(1)

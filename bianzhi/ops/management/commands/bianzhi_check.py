"""`bianzhi check [--json]`: every invariant plus the audit chain; exit 1 on a problem.

Each domain contributes `problems() -> [{"code", "message", "object"}]`.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from bianzhi.core import chain
from bianzhi.orgs import checks as orgs_checks
from bianzhi.quota import checks as quota_checks
from bianzhi.roster import checks as roster_checks

# Leader posts are checked by the roster's set-based check (appointments vs the
# count in force); quota.leader_posts.problems() would report each excess twice.
DOMAIN_CHECKS = [orgs_checks.problems, quota_checks.problems, roster_checks.problems]


def collect() -> list[dict]:
    found: list[dict] = []
    # The full audit chain is verified in worker processes (core.chain) while
    # this one runs the domain checks; the chain's problems are listed first.
    with chain.start(workers=chain.default_workers()) as pending:
        domain = [problem for problems in DOMAIN_CHECKS for problem in problems()]
        report = pending.finish()
    for problem in report.problems:
        found.append(
            {
                "code": problem["code"],
                "message": problem["message"],
                "object": f"AuditEvent:{problem.get('seq', '')}",
            }
        )
    for problem in domain:
        found.append(
            {
                "code": str(problem["code"]),
                "message": str(problem["message"]),
                "object": str(problem.get("object", "")),
            }
        )
    return found


class Command(BaseCommand):
    help = "检查全部不变量（编制账本、机构、审计链），发现问题时退出码为1"

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="以JSON输出")

    def handle(self, *args, **options):
        found = collect()
        if options["json"]:
            self.stdout.write(
                json.dumps({"ok": not found, "problems": found}, ensure_ascii=False)
            )
        elif found:
            self.stdout.write(f"发现{len(found)}个问题：")
            for problem in found:
                self.stdout.write(
                    f"[{problem['code']}] {problem['message']}（{problem['object']}）"
                )
        else:
            self.stdout.write("检查通过：未发现问题")
        if found:
            raise SystemExit(1)

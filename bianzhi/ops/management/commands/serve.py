import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "生产环境服务：收集静态文件后以 gunicorn 启动（WhiteNoise 提供静态文件）"

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1
        )

    def handle(self, *args, **options):
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"静态文件已收集到 {settings.STATIC_ROOT}")
        argv = [
            sys.executable, "-m", "gunicorn", "config.wsgi:application",
            "--bind", f"{options['host']}:{options['port']}",
            "--workers", str(options["workers"]),
            "--access-logfile", "-",
            # Path without query string and no referer: a searched ID number
            # must not land in the access log unmasked (issue 4, privacy).
            "--access-logformat", '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(L)ss',
        ]  # fmt: skip
        env = dict(os.environ)
        env.setdefault("DJANGO_SETTINGS_MODULE", settings.SETTINGS_MODULE)
        os.execvpe(sys.executable, argv, env)

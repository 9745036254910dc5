from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from bianzhi.core.keys import ensure_keys
from bianzhi.documents.keys import ensure_office_certificate


class Command(BaseCommand):
    help = "安装初始化：创建库外密钥文件并迁移数据库（可重复执行）"

    def handle(self, *args, **options):
        for path in [*ensure_keys(), *ensure_office_certificate()]:
            self.stdout.write(f"已创建密钥文件 {path}")
        # WhiteNoise serves from here (`bianzhi serve` collects into it).
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
        call_command("migrate", verbosity=0, interactive=False)
        self.stdout.write("数据库已迁移到最新版本")

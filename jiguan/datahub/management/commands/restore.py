"""``manage.py restore DIR [--yes]``: verify a backup completely, then replace the database, uploaded
files and analytical store with it (see ``jiguan.datahub.backup``)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.template.defaultfilters import filesizeformat

from jiguan.datahub.backup import BackupError, Manifest, file_count, pending_migrations, restore, verify


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup`. Everything is verified first (manifest, every file's "
        "size and SHA-256, database vendor, migrations); any mismatch refuses and changes nothing. Stop the "
        "web and worker services first: the restore replaces ALL data."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="The backup folder (holding manifest.json).")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, folder: Path, yes: bool, **options):
        try:
            manifest = verify(folder)
        except BackupError as exc:
            raise CommandError(f"备份校验未通过,未做任何改动 The backup failed verification; nothing was changed:\n{exc}") from exc
        self._describe(folder, manifest)
        if not yes and not self._confirmed():
            raise CommandError("已取消,未做任何改动 Cancelled; nothing was changed.")
        try:
            restore(folder, manifest)
        except BackupError as exc:
            raise CommandError(f"恢复失败,数据保持原样 The restore failed; the data was left as it was:\n{exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"恢复完成 Restored from {folder}."))
        pending = pending_migrations(manifest)
        if pending:
            self.stdout.write(self.style.WARNING(
                f"程序比备份新,请运行 manage.py migrate The code is newer than the backup ({', '.join(pending)}): "
                "run `manage.py migrate`."))
        self.stdout.write("请运行 manage.py verify_audit 核对审计链,然后启动服务 "
                          "Check the audit chains with `manage.py verify_audit`, then start the services.")

    def _describe(self, folder: Path, manifest: Manifest) -> None:
        count, size = file_count(manifest.files)
        self.stdout.write(
            f"备份校验通过 Backup verified: {folder}\n"
            f"  时间 taken at {manifest.created_at}; 版本 version {manifest.platform_version}; "
            f"数据库 database {manifest.vendor}; {count} 个文件 files, {filesizeformat(size)}"
        )

    def _confirmed(self) -> bool:
        database = connection.settings_dict["NAME"]
        try:
            answer = input(
                f"这将用备份替换全部数据(数据库 {database}、附件和数据仓),请先停止 web 和 worker 服务。\n"
                f"This replaces ALL data (database {database}, uploaded files, analytical store); stop the web "
                "and worker services first.\n输入 yes 继续 Type yes to continue: "
            )
        except EOFError:
            return False
        return answer.strip().lower() == "yes"

"""``manage.py backup [--output DIR]``: a consistent snapshot of the database, uploaded files and
analytical store, with a checksummed manifest (see ``jiguan.datahub.backup``)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat

from jiguan.datahub.backup import BackupError, create_backup, file_count


class Command(BaseCommand):
    help = (
        "Write a consistent snapshot of the database, the uploaded files (MEDIA_ROOT) and the analytical "
        "store (DATAHUB_ROOT) into a new folder named by the time, with manifest.json listing every file's "
        "size and SHA-256. Safe while the platform runs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, default=Path(settings.VAR_DIR) / "backups",
                            help="Where to create the backup folder (default: var/backups).")

    def handle(self, *args, output: Path, **options):
        try:
            folder, manifest = create_backup(output)
        except BackupError as exc:
            raise CommandError(f"备份失败 Backup failed:\n{exc}") from exc
        for warning in manifest.warnings:
            self.stderr.write(self.style.WARNING(warning))
        count, size = file_count(manifest.files)
        self.stdout.write(self.style.SUCCESS(
            f"备份完成 Backup written: {folder}\n"
            f"  {count} 个文件 files, {filesizeformat(size)}; 数据库 database: {manifest.vendor}; "
            f"版本 version {manifest.platform_version}"
        ))

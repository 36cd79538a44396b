from django.core.management.base import BaseCommand, CommandError

from archive.alerts import send_search_alerts


class Command(BaseCommand):
    help = (
        "Email each reader a digest of the articles added since their last alert that match their active saved "
        "searches. Run it from cron (see the README); a rerun sends nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List who would get what; send nothing and record nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        report = send_search_alerts(dry_run=dry_run)
        for line in report.lines():
            self.stdout.write(("(dry run) " if dry_run else "") + line)
        if report.failed:
            raise CommandError(f"{len(report.failed)} digest(s) could not be sent; they will be retried next run.")

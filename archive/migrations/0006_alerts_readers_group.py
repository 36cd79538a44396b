"""The "Readers" group: people an admin gives an account to keep saved searches and alerts.

Readers need no model permissions: saved searches are their own, checked by ownership.
The group is what marks an account as a reader (staff may save searches too).
"""

from django.db import migrations


def create_readers_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="Readers")


def remove_readers_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Readers").delete()


class Migration(migrations.Migration):
    dependencies = [("archive", "0005_alerts_saved_searches"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_readers_group, remove_readers_group)]

"""The "Editors" group: what an editor needs to add and correct articles, and no more."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_PERMISSIONS = {
    "article": ["add", "change", "delete", "view"],
    "articleactor": ["add", "change", "delete", "view"],
    "source": ["add", "change", "view"],
    "actor": ["add", "change", "view"],
    "actoralias": ["add", "change", "delete", "view"],
    "historicalarticle": ["view"],
    "historicalsource": ["view"],
    "historicalactor": ["view"],
    "indextask": ["view"],
}


def create_editors_group(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors, _ = Group.objects.get_or_create(name="Editors")
    codenames = [f"{action}_{model}" for model, actions in EDITOR_PERMISSIONS.items() for action in actions]
    editors.permissions.set(Permission.objects.filter(content_type__app_label="archive", codename__in=codenames))


def remove_editors_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Editors").delete()


class Migration(migrations.Migration):
    dependencies = [("archive", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_editors_group, remove_editors_group)]

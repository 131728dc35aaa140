from django.db import migrations


def drop_tmp(apps, schema_editor):
    apps.get_model("shelf", "Author").objects.filter(name__startswith="tmp").delete()


class Migration(migrations.Migration):
    dependencies = [("shelf", "0003_partial_unique")]
    operations = [migrations.RunPython(drop_tmp, migrations.RunPython.noop)]

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shelf", "0001_create")]
    operations = [migrations.AddField("Author", "deleted_at", models.DateTimeField(null=True))]

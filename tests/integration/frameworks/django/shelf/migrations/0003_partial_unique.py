from django.db import migrations, models
from django.db.models import Q


class Migration(migrations.Migration):
    dependencies = [("shelf", "0002_deleted_at")]
    operations = [
        migrations.AlterField("Author", "name", models.CharField(max_length=100)),
        migrations.AddConstraint("Author", models.UniqueConstraint(
            fields=["name"], condition=Q(deleted_at=None), name="authors_name_live")),
    ]

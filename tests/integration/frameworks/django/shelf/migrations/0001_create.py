from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    operations = [
        migrations.CreateModel(
            name="Author",
            fields=[("id", models.AutoField(primary_key=True)),
                    ("name", models.CharField(max_length=100, unique=True))],
            options={"db_table": "authors"},
        ),
    ]

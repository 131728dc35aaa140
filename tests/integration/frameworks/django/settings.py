"""Django settings of the migration test (tests/integration/test_migrations.py): one app, the
database reached through the proxy at $TOMBSTONE_PORT."""
import os

SECRET_KEY = "tombstone-tests"
INSTALLED_APPS = ["shelf"]
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ["TOMBSTONE_DB"],
        "HOST": "127.0.0.1",
        "PORT": os.environ["TOMBSTONE_PORT"],
        "USER": "postgres",
    }
}

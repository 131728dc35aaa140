from django.db import models
from django.db.models import Q


class Author(models.Model):
    name = models.CharField(max_length=100)
    deleted_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "authors"
        constraints = [models.UniqueConstraint(fields=["name"], condition=Q(deleted_at=None),
                                               name="authors_name_live")]

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("orders", "0002_roles")]

    operations = []

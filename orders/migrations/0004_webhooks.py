from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("orders", "0003_query_indexes")]

    operations = []

# The home page's keeping-up figures as maintained aggregates (ShippedDay, PackerDay,
# LeadTimeWeek), so that the page reads O(days + weeks x buckets + days x packers) rows
# whatever the number of orders shipped in its windows. The triggers of 0006 are replaced
# (CREATE OR REPLACE), OrderShipment gets triggers of its own, and the tables are filled from
# the existing rows in the zone the figures are counted in.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from fulfillments.home import stats
from fulfillments.migrations import _home_sql_0006


def fill(apps, schema_editor):
    # In the zone OrderDay is counted in (a later zone change rebuilds both).
    stats.keeping_up_rebuild(zone=stats.stats_zone_name())


class Migration(migrations.Migration):

    dependencies = [
        ('fulfillments', '0007_home_open_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='LeadTimeWeek',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('week', models.DateField()),
                ('minutes', models.IntegerField()),
                ('orders', models.IntegerField(default=0)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('week', 'minutes'), name='leadtimeweek_unique')],
            },
        ),
        migrations.CreateModel(
            name='PackerDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField()),
                ('fulfillments', models.IntegerField(default=0)),
                ('packer', models.ForeignKey(db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('day', 'packer'), name='packerday_unique', nulls_distinct=False)],
            },
        ),
        migrations.CreateModel(
            name='ShippedDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField(unique=True)),
                ('orders', models.IntegerField(default=0)),
            ],
        ),
        # The home page no longer reads OrderShipment by date (LeadTimeWeek holds the weeks).
        migrations.RemoveIndex(
            model_name='ordershipment',
            name='ordershipment_first_idx',
        ),
        migrations.RunSQL(
            [*stats.FUNCTIONS_SQL, *stats.SHIPMENT_TRIGGERS_SQL],
            [
                *stats.SHIPMENT_TRIGGERS_DROP_SQL,
                # 0006's functions back, before what only 0008's used goes.
                *_home_sql_0006.FUNCTIONS_SQL,
                *stats.KEEPING_UP_FUNCTIONS_DROP_SQL,
            ],
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]

"""Webhooks: endpoints, the event outbox and deliveries; the Owner role gets their permissions."""

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

import orders.webhooks.models

WEBHOOK_MODELS = ["webhookendpoint", "webhookevent", "webhookdelivery"]


def owner_grant(apps, schema_editor):
    # Permissions are normally created after all migrations; the Owner role needs them now.
    app_config = apps.get_app_config("orders")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    owner, _ = Group.objects.get_or_create(name="Owner")
    owner.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="orders", content_type__model__in=WEBHOOK_MODELS
        )
    )


def owner_revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Owner"):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="orders", content_type__model__in=WEBHOOK_MODELS
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0003_query_indexes"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='WebhookEndpoint',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('url', models.URLField(max_length=2000)),
                ('description', models.CharField(blank=True, max_length=200)),
                ('events', models.JSONField(default=list)),
                ('secret', models.CharField(default=orders.webhooks.models.webhook_secret_generate, max_length=200)),
                ('active', models.BooleanField(default=True)),
                ('created', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['created', 'id'],
            },
        ),
        migrations.CreateModel(
            name='WebhookEvent',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('event_type', models.CharField(choices=[('wix.stores.v2.orders_order-created', 'Order created'), ('OrderPaid', 'Order paid'), ('OrderCanceled', 'Order canceled'), ('OrderRefunded', 'Order refunded'), ('FulfillmentCreated', 'Fulfillment created'), ('FulfillmentUpdated', 'Fulfillment updated'), ('FulfillmentDeleted', 'Fulfillment deleted')], max_length=64)),
                ('payload', models.JSONField()),
                ('identity', models.JSONField(default=dict)),
                ('created', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ('order', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='webhook_events', to='orders.order')),
            ],
            options={
                'ordering': ['-created'],
            },
        ),
        migrations.CreateModel(
            name='WebhookDelivery',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('pending', 'Pending'), ('succeeded', 'Succeeded'), ('failed', 'Failed')], default='pending', max_length=16)),
                ('attempts', models.PositiveIntegerField(default=0)),
                ('created', models.DateTimeField(default=django.utils.timezone.now)),
                ('next_attempt_at', models.DateTimeField(blank=True, null=True)),
                ('first_attempt_at', models.DateTimeField(blank=True, null=True)),
                ('last_attempt_at', models.DateTimeField(blank=True, null=True)),
                ('last_response_code', models.PositiveIntegerField(blank=True, null=True)),
                ('last_error', models.TextField(blank=True)),
                ('endpoint', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='orders.webhookendpoint')),
                ('event', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='orders.webhookevent')),
            ],
            options={
                'verbose_name_plural': 'webhook deliveries',
                'ordering': ['-created', '-id'],
                'indexes': [models.Index(condition=models.Q(('status', 'pending')), fields=['next_attempt_at'], name='webhookdelivery_due_idx'), models.Index(fields=['endpoint', '-created'], name='webhookdelivery_endpoint_idx')],
                'constraints': [models.UniqueConstraint(fields=('event', 'endpoint'), name='webhookdelivery_unique')],
            },
        ),
        migrations.RunPython(owner_grant, owner_revoke),
    ]

"""Anonymous refusals, counted per client address, minute and kind, not chained (issue 6,
item 6). An ordinary table: neither append-only nor HMAC-chained."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0004_audit_trail_start'),
    ]

    operations = [
        migrations.CreateModel(
            name='AnonymousRefusal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('client', models.CharField(max_length=64)),
                ('minute', models.DateTimeField(db_index=True)),
                ('kind', models.CharField(choices=[('unauthenticated', '未登录（401）'), ('forbidden', '被禁止（403）'), ('not_found', '未找到（404）')], max_length=16)),
                ('count', models.PositiveIntegerField(default=0)),
                ('last_path', models.CharField(blank=True, max_length=200)),
            ],
            options={
                'verbose_name': '匿名访问被拒计数',
                'verbose_name_plural': '匿名访问被拒计数',
                'constraints': [models.UniqueConstraint(fields=('client', 'minute', 'kind'), name='audit_anonymous_refusal_bucket')],
            },
        ),
    ]

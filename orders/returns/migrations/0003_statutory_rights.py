"""The statutory rights by destination, seeded with the EU/EEA, the UK, Switzerland and the United States;
the withdrawal kind of request, its refund due date and the deduction for diminished value.

Lines of orders placed before this table existed get the rights of their shipping country as seeded
here, once: the law gave them those rights whatever the shop's screens said.
"""

from decimal import Decimal

from django.conf import settings
from django.db import migrations, models

import orders.models
from orders.returns import policy

EU = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
EEA = ["IS", "LI", "NO"]

DESTINATIONS = [
    {
        "code": "eu-eea",
        "name": "the EU and the EEA",
        "countries": sorted(EU + EEA),
        "withdrawal_days": 14,
        "withdrawal_basis": "Directive 2011/83/EU on consumer rights, Art. 9(1) and 9(2)(b): 14 days from "
        "the day you receive the goods",
        "exempt_made_to_specification": True,
        "made_to_specification_basis": "Directive 2011/83/EU, Art. 16(c): goods made to the consumer's "
        "specifications or clearly personalised",
        "exempt_sealed_hygiene": True,
        "sealed_hygiene_basis": "Directive 2011/83/EU, Art. 16(e): sealed goods not suitable for return for "
        "health protection or hygiene reasons, once unsealed after delivery",
        "delivery_refunded": True,
        "refund_due_days": 14,
        "refund_basis": "Directive 2011/83/EU, Art. 13(1): every payment, the standard delivery included, "
        "refunded within 14 days of the notice of withdrawal; Art. 14(2): a deduction only for diminished "
        "value from handling beyond what is needed to establish the nature, characteristics and "
        "functioning of the goods",
        "guarantee_months": 24,
        "guarantee_remedies": "repair or replacement first, and a price reduction or a refund when neither "
        "is possible or they fail",
        "guarantee_basis": "Directive (EU) 2019/771 on the sale of goods, Art. 10(1) (at least two years "
        "from delivery) and Art. 13 (the remedies)",
        "reject_days": 0,
        "reject_basis": "",
    },
    {
        "code": "gb",
        "name": "the United Kingdom",
        "countries": ["GB"],
        "withdrawal_days": 14,
        "withdrawal_basis": "Consumer Contracts (Information, Cancellation and Additional Charges) "
        "Regulations 2013, regs. 29 and 30: 14 days from the day you receive the goods",
        "exempt_made_to_specification": True,
        "made_to_specification_basis": "Consumer Contracts Regulations 2013, reg. 28(1)(b): goods made to "
        "the consumer's specifications or clearly personalised",
        "exempt_sealed_hygiene": True,
        "sealed_hygiene_basis": "Consumer Contracts Regulations 2013, reg. 28(3)(b): sealed goods not "
        "suitable for return for health protection or hygiene reasons, once unsealed after delivery",
        "delivery_refunded": True,
        "refund_due_days": 14,
        "refund_basis": "Consumer Contracts Regulations 2013, reg. 34: every payment, the standard delivery "
        "included, refunded within 14 days; reg. 34(9)-(11): a deduction for diminished value from "
        "handling beyond what is needed to establish the nature, characteristics and functioning",
        "guarantee_months": 72,
        "guarantee_remedies": "repair or replacement first, and a price reduction or the final right to "
        "reject (a refund) when neither is possible or they fail",
        "guarantee_basis": "Consumer Rights Act 2015, ss. 9-11 and 19-24; a claim may be brought within six "
        "years of delivery in England and Wales (Limitation Act 1980, s. 5), five in Scotland",
        "reject_days": 30,
        "reject_basis": "Consumer Rights Act 2015, ss. 20 and 22: the short-term right to reject, 30 days "
        "from delivery",
    },
    {
        "code": "ch",
        "name": "Switzerland",
        "countries": ["CH"],
        "withdrawal_days": 0,
        "withdrawal_basis": "Swiss law gives no right to withdraw from an online purchase (the right of "
        "revocation of the Code of Obligations, Art. 40a-40f, covers doorstep sales only)",
        "guarantee_months": 24,
        "guarantee_remedies": "cancelling the purchase or a price reduction, or a replacement of goods of "
        "the same kind",
        "guarantee_basis": "Swiss Code of Obligations, Art. 197, 205, 206 and 210(1): claims for defects "
        "within two years of delivery",
    },
    {
        "code": "us",
        "name": "the United States",
        "countries": ["US"],
        "withdrawal_days": 0,
        "withdrawal_basis": "No federal or general state right to withdraw from an online purchase (the "
        "FTC Cooling-Off Rule, 16 CFR Part 429, covers sales away from the seller's premises, not online)",
        "guarantee_months": 0,
        "guarantee_basis": "Implied warranties under state law (Uniform Commercial Code, s. 2-314) have no "
        "fixed period: the shop's promise is what applies",
    },
]


def seed(apps, schema_editor):
    StatutoryRight = apps.get_model("returns", "StatutoryRight")
    for row in DESTINATIONS:
        StatutoryRight.objects.update_or_create(code=row["code"], defaults=row)


def backfill_lines(apps, schema_editor):
    """Give lines sold before the table existed the rights of their shipping country, once."""
    StatutoryRight = apps.get_model("returns", "StatutoryRight")
    OrderLine = apps.get_model("orders", "OrderLine")
    fields = [field.name for field in policy.Destination.__dataclass_fields__.values()]
    destinations = {}
    for row in StatutoryRight.objects.all():
        destination = policy.Destination(**{name: getattr(row, name) for name in fields})
        for country in row.countries:
            destinations[country] = destination
    lines = [line for line in OrderLine.objects.select_related("order") if not line.statutory_rights]
    for line in lines:
        country = str((line.order.shipping_address or {}).get("country", "")).upper()
        law = policy.line_law(
            destination=destinations.get(country),
            country=country,
            made_to_specification=line.product_kind == "custom_orthotic",
            sealed_hygiene=False,
        )
        line.statutory_rights = law.to_json()
    OrderLine.objects.bulk_update(lines, ["statutory_rights"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ('returns', '0002_private_photos'),
        ('orders', '0006_orderline_statutory_rights'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='StatutoryRight',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(max_length=20, unique=True)),
                ('name', models.CharField(help_text="As customers read it, e.g. 'the EU and the EEA'.", max_length=100)),
                ('countries', models.JSONField(help_text='ISO 3166-1 alpha-2 codes, in capitals, e.g. ["DE", "FR"].')),
                ('withdrawal_days', models.PositiveSmallIntegerField(default=0, help_text='Days to withdraw from a distance sale without a reason; 0 for none.')),
                ('withdrawal_counted_from', models.CharField(choices=[('delivery', 'Delivery (the day the consumer receives the goods)')], default='delivery', max_length=20)),
                ('withdrawal_basis', models.CharField(blank=True, max_length=300)),
                ('exempt_made_to_specification', models.BooleanField(default=False, help_text="Goods made to the consumer's specification (custom orthotics) cannot be withdrawn.")),
                ('made_to_specification_basis', models.CharField(blank=True, max_length=300)),
                ('exempt_sealed_hygiene', models.BooleanField(default=False, help_text='Sealed goods unsuitable for return for hygiene reasons lose the right once unsealed (only products staff mark as sealed hygiene goods).')),
                ('sealed_hygiene_basis', models.CharField(blank=True, max_length=300)),
                ('delivery_refunded', models.BooleanField(default=False, help_text='The standard outbound delivery is refunded when the whole order is withdrawn.')),
                ('refund_due_days', models.PositiveSmallIntegerField(default=0, help_text='Days from the withdrawal notice by which the refund is due.')),
                ('refund_basis', models.CharField(blank=True, max_length=300)),
                ('guarantee_months', models.PositiveSmallIntegerField(default=0, help_text='The legal guarantee for goods not in conformity, in months from delivery; 0 for none.')),
                ('guarantee_remedies', models.CharField(blank=True, max_length=300)),
                ('guarantee_basis', models.CharField(blank=True, max_length=300)),
                ('reject_days', models.PositiveSmallIntegerField(default=0, help_text='A short-term right to reject faulty goods for a full refund, in days; 0 for none.')),
                ('reject_basis', models.CharField(blank=True, max_length=300)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'verbose_name': 'statutory right (by destination)',
                'verbose_name_plural': 'statutory rights (by destination)',
                'ordering': ['name'],
            },
        ),
        migrations.AddField(
            model_name='returnline',
            name='deduction',
            field=orders.models.MoneyField(decimal_places=2, default=Decimal('0.00'), max_digits=12),
        ),
        migrations.AddField(
            model_name='returnline',
            name='deduction_reason',
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name='returnrequest',
            name='refund_due_by',
            field=models.DateTimeField(blank=True, db_index=True, null=True),
        ),
        migrations.AlterField(
            model_name='returnrequest',
            name='kind',
            field=models.CharField(choices=[('return', 'Return (refund)'), ('replacement', 'Replacement'), ('withdrawal', 'Withdrawal (statutory, no reason needed)')], max_length=20),
        ),
        migrations.AddField(
            model_name="returnline",
            name="deduction_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="returnline",
            name="deduction_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(backfill_lines, migrations.RunPython.noop),
    ]

"""The vocabularies of the catalogue and of foot-type matching (``docs/matching.md``)."""

from django.db import models


class ProductKind(models.TextChoices):
    INSOLE = "insole", "Insole"
    CUSTOM_ORTHOTIC = "custom_orthotic", "Custom orthotic"
    ACCESSORY = "accessory", "Accessory"


class TaxClass(models.TextChoices):
    """Which VAT rate of a country a product takes (rates per country and class: ``orders.invoices``)."""

    STANDARD = "standard", "Standard rate"
    # Where the destination grants it: in Germany, orthopaedic appliances such as insoles (7 %).
    REDUCED = "reduced", "Reduced rate"


class ArchSupport(models.TextChoices):
    NONE = "none", "None"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Rigidity(models.TextChoices):
    SOFT = "soft", "Soft"
    SEMI_RIGID = "semi_rigid", "Semi-rigid"
    RIGID = "rigid", "Rigid"


class Posting(models.TextChoices):
    NONE = "none", "None"
    MEDIAL = "medial", "Medial"
    LATERAL = "lateral", "Lateral"


class HeelCup(models.TextChoices):
    SHALLOW = "shallow", "Shallow"
    MEDIUM = "medium", "Medium"
    DEEP = "deep", "Deep"


class Level(models.TextChoices):
    """Cushioning and volume."""

    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Length(models.TextChoices):
    FULL = "full", "Full length"
    THREE_QUARTER = "three_quarter", "3/4 length"
    HEEL = "heel", "Heel only"


class Width(models.TextChoices):
    NARROW = "narrow", "Narrow"
    REGULAR = "regular", "Regular"
    WIDE = "wide", "Wide"


class ShoeType(models.TextChoices):
    ATHLETIC = "athletic", "Athletic shoes"
    CASUAL = "casual", "Casual shoes"
    DRESS = "dress", "Dress shoes"
    WORK_BOOT = "work_boot", "Work boots"
    HIGH_HEEL = "high_heel", "High heels"


class Activity(models.TextChoices):
    WALKING = "walking", "Walking"
    RUNNING = "running", "Running"
    STANDING_WORK = "standing_work", "Standing at work"
    HIKING = "hiking", "Hiking"
    EVERYDAY = "everyday", "Everyday wear"

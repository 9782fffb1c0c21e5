"""A realistic demo catalogue for development and the benchmarks; loading it twice changes nothing."""

import hashlib
import math
from decimal import Decimal

from django.db import transaction
from PIL import Image, ImageDraw, ImageFont

from catalogue.choices import ProductKind
from catalogue.images import make_renditions
from catalogue.models import Category, Condition, Product, ProductImage, ProductVariant

CATEGORIES = [
    (
        "arch-support",
        "Arch support insoles",
        "Firm and semi-rigid insoles that hold up a low or collapsing arch.",
    ),
    (
        "cushioning",
        "Cushioned insoles",
        "Shock-absorbing insoles for high, rigid arches and long days on foot.",
    ),
    ("heel-pain", "Heel pain", "Deep heel cups and cushioning for plantar fasciitis and heel spurs."),
    ("slim-dress", "Slim and dress insoles", "Low-volume 3/4 insoles for dress shoes and heels."),
    ("heel-lifts", "Heel lifts", "Lifts that even out a leg-length difference."),
    ("forefoot", "Forefoot and metatarsal", "Metatarsal pads and insoles for ball-of-foot pain."),
    ("custom", "Custom orthotics", "Orthotics made for your own feet from a footprint or an impression."),
    ("foot-care", "Foot care", "Massage, stretching and toe care."),
]

INSOLE_BANDS = [(35, 36), (37, 38), (39, 40), (41, 42), (43, 44), (45, 46), (47, 48)]
CHILD_BANDS = [(28, 29), (30, 31), (32, 33), (34, 35), (36, 37), (38, 39)]
ALL_SHOES = ["athletic", "casual", "work_boot", "dress"]

# slug, name, kind, category, price, short description, attributes, conditions, colour
PRODUCTS = [
    ("archform-rigid", "ArchForm Rigid", ProductKind.INSOLE, "arch-support", "49.90",
     "A firm arch and a deep heel cup for flat feet and overpronation.",
     dict(arch_support="high", rigidity="rigid", posting="medial", heel_cup="deep", cushioning="medium",
          length="full", volume="medium", shoe_types=["athletic", "casual", "work_boot"],
          activities=["walking", "standing_work", "hiking", "everyday"]),
     ["flat-feet"], (52, 96, 168)),
    ("archform-semi", "ArchForm Semi-Rigid", ProductKind.INSOLE, "arch-support", "44.90",
     "High arch support with a little give, for flat feet in everyday shoes.",
     dict(arch_support="high", rigidity="semi_rigid", posting="medial", heel_cup="deep", cushioning="medium",
          length="full", volume="medium", shoe_types=["athletic", "casual"], activities=["walking", "everyday"]),
     ["flat-feet"], (70, 120, 190)),
    ("stabilityrun-pro", "StabilityRun Pro", ProductKind.INSOLE, "arch-support", "54.90",
     "A running insole with medial posting and high cushioning.",
     dict(arch_support="high", rigidity="semi_rigid", posting="medial", heel_cup="deep", cushioning="high",
          length="full", volume="high", shoe_types=["athletic"], activities=["running", "walking"]),
     ["flat-feet"], (30, 140, 120)),
    ("workday-support", "WorkDay Support", ProductKind.INSOLE, "arch-support", "39.90",
     "Arch support and cushioning for long shifts standing in work boots.",
     dict(arch_support="medium", rigidity="semi_rigid", posting="none", heel_cup="deep", cushioning="high",
          length="full", volume="high", shoe_types=["work_boot", "athletic"], activities=["standing_work"]),
     ["flat-feet", "plantar-fasciitis"], (200, 120, 40)),
    ("kids-arch-support", "Junior Arch Support", ProductKind.INSOLE, "arch-support", "29.90",
     "A gentle, semi-rigid arch support for growing feet.",
     dict(arch_support="medium", rigidity="semi_rigid", posting="none", heel_cup="medium", cushioning="medium",
          length="full", volume="medium", shoe_types=["athletic", "casual"], activities=["everyday", "walking"],
          suitable_for_children=True),
     ["flat-feet"], (120, 180, 80)),
    ("kids-heel-cushion", "Junior Heel Cushion", ProductKind.INSOLE, "heel-pain", "17.90",
     "A soft, deep heel cup for children's sports shoes.",
     dict(arch_support="none", rigidity="soft", posting="none", heel_cup="deep", cushioning="high",
          length="heel", volume="low", shoe_types=["athletic", "casual"], activities=["running", "everyday"],
          suitable_for_children=True),
     [], (130, 200, 120)),
    ("cloudstep-neutral", "CloudStep Neutral", ProductKind.INSOLE, "cushioning", "34.90",
     "Soft, full-contact cushioning for high arches that absorb shock poorly.",
     dict(arch_support="medium", rigidity="soft", posting="none", heel_cup="medium", cushioning="high",
          length="full", volume="medium", shoe_types=["athletic", "casual"], activities=["walking", "everyday"]),
     ["high-arches"], (150, 110, 190)),
    ("higharch-cushion-plus", "HighArch Cushion Plus", ProductKind.INSOLE, "cushioning", "42.90",
     "Fills a high arch with full contact and cushions the heel and forefoot.",
     dict(arch_support="high", rigidity="soft", posting="none", heel_cup="deep", cushioning="high",
          length="full", volume="medium", shoe_types=["athletic", "casual", "work_boot"],
          activities=["walking", "running", "everyday"]),
     ["high-arches"], (170, 90, 160)),
    ("trailflex-neutral", "TrailFlex Neutral", ProductKind.INSOLE, "cushioning", "46.90",
     "A cushioned hiking insole for high-volume boots.",
     dict(arch_support="medium", rigidity="semi_rigid", posting="none", heel_cup="deep", cushioning="high",
          length="full", volume="high", shoe_types=["athletic", "work_boot"], activities=["hiking", "walking"]),
     ["high-arches"], (90, 120, 60)),
    ("lateral-wedge", "Lateral Balance Insole", ProductKind.INSOLE, "cushioning", "38.90",
     "A gentle lateral post for feet that roll outward.",
     dict(arch_support="medium", rigidity="semi_rigid", posting="lateral", heel_cup="medium", cushioning="high",
          length="full", volume="medium", shoe_types=["athletic", "casual"], activities=["walking", "everyday"]),
     ["high-arches"], (100, 100, 150)),
    ("heelguard-pf", "HeelGuard PF", ProductKind.INSOLE, "heel-pain", "39.90",
     "A deep heel cup and cushioned heel with firm arch support for plantar fasciitis.",
     dict(arch_support="medium", rigidity="semi_rigid", posting="none", heel_cup="deep", cushioning="high",
          length="full", volume="medium", shoe_types=["athletic", "casual", "work_boot"],
          activities=["walking", "standing_work", "everyday"]),
     ["plantar-fasciitis", "heel-spur"], (210, 80, 70)),
    ("heelguard-gel-34", "HeelGuard Gel 3/4", ProductKind.INSOLE, "heel-pain", "29.90",
     "A slim 3/4 gel insole that cushions the heel in casual and dress shoes.",
     dict(arch_support="medium", rigidity="soft", posting="none", heel_cup="deep", cushioning="high",
          length="three_quarter", volume="low", shoe_types=["casual", "dress"], activities=["everyday", "walking"]),
     ["plantar-fasciitis", "heel-spur"], (230, 120, 100)),
    ("spurrelief-heel-cup", "SpurRelief Heel Cup", ProductKind.INSOLE, "heel-pain", "19.90",
     "A silicone heel cup that takes pressure off a heel spur.",
     dict(arch_support="none", rigidity="soft", posting="none", heel_cup="deep", cushioning="high",
          length="heel", volume="low", shoe_types=["athletic", "casual", "work_boot"],
          activities=["walking", "standing_work", "everyday"]),
     ["heel-spur", "plantar-fasciitis"], (240, 150, 60)),
    ("slimline-dress-34", "Slimline Dress 3/4", ProductKind.INSOLE, "slim-dress", "32.90",
     "A thin 3/4 orthotic with real arch support that fits dress shoes.",
     dict(arch_support="medium", rigidity="semi_rigid", posting="none", heel_cup="shallow", cushioning="low",
          length="three_quarter", volume="low", shoe_types=["dress", "casual"], activities=["everyday", "walking"]),
     ["flat-feet"], (60, 60, 60)),
    ("slimline-heels", "Slimline Heels", ProductKind.INSOLE, "slim-dress", "24.90",
     "A 3/4 insole with a metatarsal pad for high heels.",
     dict(arch_support="low", rigidity="soft", posting="none", heel_cup="shallow", cushioning="low",
          length="three_quarter", volume="low", met_pad=True, shoe_types=["high_heel", "dress"],
          activities=["everyday"]),
     ["metatarsalgia"], (190, 60, 110)),
    ("heel-lift-3", "Heel Lift 3 mm", ProductKind.INSOLE, "heel-lifts", "14.90",
     "A 3 mm heel lift to even out a small leg-length difference.",
     dict(heel_lift_mm=3, rigidity="semi_rigid", heel_cup="medium", cushioning="medium", length="heel",
          volume="low", shoe_types=ALL_SHOES, activities=["walking", "everyday", "standing_work"]),
     ["leg-length-discrepancy"], (120, 120, 120)),
    ("heel-lift-6", "Heel Lift 6 mm", ProductKind.INSOLE, "heel-lifts", "15.90",
     "A 6 mm heel lift to even out a leg-length difference.",
     dict(heel_lift_mm=6, rigidity="semi_rigid", heel_cup="medium", cushioning="medium", length="heel",
          volume="medium", shoe_types=["athletic", "casual", "work_boot"],
          activities=["walking", "everyday", "standing_work"]),
     ["leg-length-discrepancy"], (100, 100, 100)),
    ("heel-lift-9", "Heel Lift 9 mm", ProductKind.INSOLE, "heel-lifts", "16.90",
     "A 9 mm heel lift for a larger leg-length difference, in roomy shoes.",
     dict(heel_lift_mm=9, rigidity="semi_rigid", heel_cup="medium", cushioning="medium", length="heel",
          volume="high", shoe_types=["athletic", "work_boot"], activities=["walking", "everyday", "standing_work"]),
     ["leg-length-discrepancy"], (80, 80, 80)),
    ("metapad-insole", "MetaPad Insole", ProductKind.INSOLE, "forefoot", "36.90",
     "A full-length insole with a built-in metatarsal pad for ball-of-foot pain.",
     dict(arch_support="medium", rigidity="semi_rigid", posting="none", heel_cup="medium", cushioning="medium",
          length="full", volume="medium", met_pad=True, shoe_types=["athletic", "casual"],
          activities=["walking", "standing_work", "everyday"]),
     ["metatarsalgia"], (40, 160, 170)),
    ("metatarsal-pads", "Metatarsal Pads (pair)", ProductKind.ACCESSORY, "forefoot", "9.90",
     "Self-adhesive felt pads that lift the metatarsal heads.",
     dict(met_pad=True, shoe_types=ALL_SHOES + ["high_heel"]), ["metatarsalgia"], (220, 200, 150)),
    ("custom-everyday", "Custom Orthotic – Everyday", ProductKind.CUSTOM_ORTHOTIC, "custom", "249.00",
     "A pair made for your feet from your footprints and assessment, for everyday shoes.",
     dict(arch_support="high", rigidity="semi_rigid", posting="none", heel_cup="deep", cushioning="medium",
          length="full", volume="medium", shoe_types=["athletic", "casual", "work_boot"],
          activities=["walking", "standing_work", "everyday", "hiking"], production_days=10),
     ["flat-feet", "high-arches", "plantar-fasciitis", "heel-spur", "leg-length-discrepancy",
      "metatarsalgia"], (20, 70, 110)),
    ("custom-sport", "Custom Orthotic – Sport", ProductKind.CUSTOM_ORTHOTIC, "custom", "289.00",
     "A made-to-measure sports orthotic with a shock-absorbing top cover.",
     dict(arch_support="high", rigidity="semi_rigid", posting="none", heel_cup="deep", cushioning="high",
          length="full", volume="high", shoe_types=["athletic"], activities=["running", "hiking", "walking"],
          production_days=12),
     ["flat-feet", "high-arches", "plantar-fasciitis", "leg-length-discrepancy"],
     (10, 110, 90)),
    ("custom-dress", "Custom Orthotic – Dress", ProductKind.CUSTOM_ORTHOTIC, "custom", "229.00",
     "A slim made-to-measure 3/4 orthotic for dress shoes.",
     dict(arch_support="medium", rigidity="rigid", posting="none", heel_cup="medium", cushioning="low",
          length="three_quarter", volume="low", shoe_types=["dress", "casual"], activities=["everyday"],
          production_days=10),
     ["flat-feet", "plantar-fasciitis"], (50, 50, 90)),
    ("massage-ball", "Spiky Massage Ball", ProductKind.ACCESSORY, "foot-care", "12.90",
     "Roll the arch to loosen the plantar fascia, 30 seconds per foot.",
     dict(), ["plantar-fasciitis"], (250, 90, 40)),
    ("foot-roller", "Wooden Foot Roller", ProductKind.ACCESSORY, "foot-care", "19.90",
     "A ridged roller for an arch massage after a long day.",
     dict(), ["plantar-fasciitis", "high-arches"], (170, 120, 70)),
    ("night-splint", "Plantar Fasciitis Night Splint", ProductKind.ACCESSORY, "foot-care", "39.90",
     "Keeps the calf and plantar fascia gently stretched overnight.",
     dict(), ["plantar-fasciitis"], (90, 90, 140)),
    ("toe-spreaders", "Gel Toe Spreaders", ProductKind.ACCESSORY, "foot-care", "14.90",
     "Soft spacers that spread the toes after a day in tight shoes.",
     dict(), [], (120, 200, 220)),
]  # fmt: skip


def _stable_number(text: str, modulo: int) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest(), 16) % modulo


def _length_band_mm(eu_min: Decimal, eu_max: Decimal) -> tuple[int, int]:
    """Foot lengths whose EU size (rounded up to a half size) falls in the band."""
    low = math.floor(((float(eu_min) - 0.5) / 1.5 - 1.5) * 10) + 1
    high = math.floor((float(eu_max) / 1.5 - 1.5) * 10)
    return low, high


def _variants_for(slug: str, kind: str, category: str, price: str) -> list[dict]:
    if kind == ProductKind.ACCESSORY and slug != "night-splint":
        return [dict(sku=f"{slug.upper()}-OS", size_label="One size", price=Decimal(price))]
    if slug == "night-splint":
        bands = [("S", 35, 39), ("M", 40, 44), ("L", 45, 48)]
        return [
            dict(
                sku=f"NIGHT-SPLINT-{label}",
                size_label=f"{label} (EU {low}-{high})",
                eu_min=Decimal(low),
                eu_max=Decimal(high) + Decimal("0.5"),
                price=Decimal(price),
            )
            for label, low, high in bands
        ]
    variants = []
    for low, high in CHILD_BANDS if slug.startswith("kids-") else INSOLE_BANDS:
        eu_min, eu_max = Decimal(low), Decimal(high) + Decimal("0.5")
        length_min, length_max = _length_band_mm(eu_min, eu_max)
        variants.append(
            dict(
                sku=f"{slug.upper()}-{low}{high}",
                size_label=f"EU {low}-{high}",
                eu_min=eu_min,
                eu_max=eu_max,
                foot_length_min_mm=length_min,
                foot_length_max_mm=length_max,
                price=Decimal(price),
            )
        )
    return variants


def product_picture(name: str, colour: tuple[int, int, int], *, size=(800, 600)) -> Image.Image:
    """Draw a simple insole silhouette in the product's colour, with its name."""
    image = Image.new("RGB", size, (246, 244, 240))
    draw = ImageDraw.Draw(image)
    width, height = size
    outline = []
    for step in range(72):
        angle = 2 * math.pi * step / 72
        x = width / 2 + math.cos(angle) * width * 0.36
        # Narrower at the heel (left) than at the forefoot (right), with an arch cut-in on top.
        taper = 0.62 + 0.38 * (1 + math.cos(angle)) / 2
        y = height * 0.45 + math.sin(angle) * height * 0.22 * taper
        if math.sin(angle) < 0 and abs(math.cos(angle)) < 0.35:
            y += height * 0.05
        outline.append((x, y))
    draw.polygon(outline, fill=colour, outline=(40, 40, 40))
    font = ImageFont.load_default(size=36)
    draw.text((width / 2, height * 0.86), name, fill=(30, 30, 30), font=font, anchor="mm")
    return image


@transaction.atomic
def demo_catalogue_load(*, with_images: bool = True) -> dict[str, int]:
    """Create or update the demo catalogue; return how many products and variants it holds."""
    categories = {}
    for position, (slug, name, description) in enumerate(CATEGORIES):
        categories[slug], _ = Category.objects.update_or_create(
            slug=slug, defaults={"name": name, "description": description, "position": position}
        )
    conditions = {condition.slug: condition for condition in Condition.objects.all()}
    variant_count = 0
    for slug, name, kind, category, price, short, attributes, condition_slugs, colour in PRODUCTS:
        defaults = {
            "name": name,
            "kind": kind,
            "category": categories[category],
            "short_description": short,
            "description": f"{short}\n\nRemove the insole that came with your shoe and put this one in its place. "
            "Give your feet a week to get used to it, starting with a few hours a day.",
            "is_active": True,
            **attributes,
        }
        product, _ = Product.objects.update_or_create(slug=slug, defaults=defaults)
        product.conditions.set([conditions[c] for c in condition_slugs if c in conditions])
        for position, variant in enumerate(_variants_for(slug, kind, category, price)):
            stock = 100 if kind == ProductKind.CUSTOM_ORTHOTIC else _stable_number(variant["sku"], 40)
            if _stable_number(variant["sku"] + "sold-out", 9) == 0:
                stock = 0
            ProductVariant.objects.update_or_create(
                sku=variant.pop("sku"),
                defaults={"product": product, "position": position, "stock": stock, **variant},
            )
            variant_count += 1
        if with_images and not product.images.exists():
            renditions = make_renditions(product_picture(name, colour), basename=f"{slug}")
            product_image = ProductImage(product=product, alt=name)
            product_image.image.save(renditions.web.name, renditions.web, save=False)
            product_image.thumbnail.save(renditions.thumbnail.name, renditions.thumbnail, save=False)
            product_image.save()
    return {"products": len(PRODUCTS), "variants": variant_count}

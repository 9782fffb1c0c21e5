"""Generate the benchmark catalogue: 1,000 products, 5 variants and 2 images each, in a few seconds.

Images are cheap: eight small JPEGs are drawn once and every ``ProductImage`` row points at one of
them (the file name is what the API reads; nothing decodes the pixels on the read path).
"""

import io
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from PIL import Image

from catalogue.demo import CATEGORIES, PRODUCTS
from catalogue.listing import listings_rebuild
from catalogue.models import Category, Condition, Product, ProductImage, ProductVariant

SIZE_BANDS = [(37, 38), (39, 40), (41, 42), (43, 44), (45, 46)]
COLOURS = [(52, 96, 168), (70, 120, 190), (30, 140, 120), (200, 120, 40), (250, 90, 40), (90, 90, 140)]


def _write_pictures(media_root: Path) -> list[tuple[str, str]]:
    folder = media_root / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for index, colour in enumerate(COLOURS):
        for suffix, size in (("", (160, 120)), ("-thumb", (64, 48))):
            buffer = io.BytesIO()
            Image.new("RGB", size, colour).save(buffer, format="JPEG", quality=70)
            (folder / f"p{index}{suffix}.jpg").write_bytes(buffer.getvalue())
        names.append((f"bench/p{index}.jpg", f"bench/p{index}-thumb.jpg"))
    return names


@transaction.atomic
def bench_catalogue_create(
    *, products: int = 1000, variants: int = 5, images: int = 2, start: int = 0
) -> dict[str, int]:
    """Create ``products`` active products built from the demo templates; return the row counts.

    ``start`` numbers them on from an earlier call, so a catalogue can be grown in steps (``bench/scale.py``).
    """
    pictures = _write_pictures(Path(settings.MEDIA_ROOT))
    categories = {
        slug: Category.objects.get_or_create(slug=slug, defaults={"name": name, "position": position})[0]
        for position, (slug, name, _description) in enumerate(CATEGORIES)
    }
    conditions = {condition.slug: condition for condition in Condition.objects.all()}
    product_rows, condition_slugs, prices = [], [], []
    for number in range(start, start + products):
        slug, name, kind, category, price, short, attributes, wanted, _colour = PRODUCTS[
            number % len(PRODUCTS)
        ]
        attributes = {key: value for key, value in attributes.items() if key != "production_days"}
        product_rows.append(
            Product(
                slug=f"{slug}-{number:04d}",
                name=f"{name} {number:04d}",
                kind=kind,
                category=categories[category],
                price=Decimal(price),
                short_description=short,
                description=f"{short}\n\nBenchmark product number {number}.",
                **attributes,
            )
        )
        condition_slugs.append(wanted)
        prices.append(Decimal(price))
    Product.objects.bulk_create(product_rows, batch_size=500)
    saved = {
        product.slug: product for product in Product.objects.filter(slug__in=[p.slug for p in product_rows])
    }
    through = Product.conditions.through
    links, variant_rows, image_rows = [], [], []
    rows = zip(product_rows, condition_slugs, prices, strict=True)
    for number, (row, wanted, price) in enumerate(rows, start=start):
        product = saved[row.slug]
        links += [through(product=product, condition=conditions[c]) for c in wanted if c in conditions]
        for position, (low, high) in enumerate(SIZE_BANDS[:variants]):
            variant_rows.append(
                ProductVariant(
                    product=product,
                    sku=f"B{number:04d}-{low}{high}",
                    size_label=f"EU {low}-{high}",
                    eu_min=Decimal(low),
                    eu_max=Decimal(high) + Decimal("0.5"),
                    price=price + Decimal(position),
                    stock=(number + position) % 40,
                    position=position,
                )
            )
        for position in range(images):
            image, thumbnail = pictures[(number + position) % len(pictures)]
            image_rows.append(
                ProductImage(
                    product=product,
                    image=image,
                    thumbnail=thumbnail,
                    width=160,
                    height=120,
                    alt=f"{row.name}, view {position + 1}",
                    position=position,
                )
            )
    through.objects.bulk_create(links, batch_size=2000)
    ProductVariant.objects.bulk_create(variant_rows, batch_size=2000)
    ProductImage.objects.bulk_create(image_rows, batch_size=2000)
    listings_rebuild()  # bulk_create sends no signal: write the read model's rows (catalogue.listing)
    return {"products": len(product_rows), "variants": len(variant_rows), "images": len(image_rows)}

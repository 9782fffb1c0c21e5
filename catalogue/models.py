import json
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Lookup, Q
from django.urls import reverse
from django.utils.deconstruct import deconstructible

from catalogue.choices import (
    Activity,
    ArchSupport,
    HeelCup,
    Length,
    Level,
    Posting,
    ProductKind,
    Rigidity,
    ShoeType,
    TaxClass,
    Width,
)


@deconstructible
class ChoiceListValidator:
    """Accept a list whose items are all values of the given choices."""

    def __init__(self, allowed: list[str]):
        self.allowed = sorted(allowed)

    def __call__(self, value):
        if not isinstance(value, list) or any(item not in self.allowed for item in value):
            raise ValidationError(f"Use a list of: {', '.join(self.allowed)}.")

    def __eq__(self, other):
        return isinstance(other, ChoiceListValidator) and self.allowed == other.allowed


validate_shoe_types = ChoiceListValidator(ShoeType.values)
validate_activities = ChoiceListValidator(Activity.values)


@dataclass(frozen=True)
class ReturnPolicy:
    """The promise made on a product: copied onto each order line when the order is placed."""

    returnable: bool
    return_days: int
    replacement_days: int


class Category(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name


class Condition(models.Model):
    """A foot condition the shop addresses (the taxonomy of ``docs/matching.md``)."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100)
    short_description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Product(models.Model):
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    kind = models.CharField(max_length=20, choices=ProductKind.choices, default=ProductKind.INSOLE)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    short_description = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True, db_index=True)
    price = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text="The price of every size; a size may have its own price instead.",
    )

    # Fit attributes (accessories may leave them at their neutral values).
    arch_support = models.CharField(max_length=10, choices=ArchSupport.choices, default=ArchSupport.NONE)
    rigidity = models.CharField(max_length=12, choices=Rigidity.choices, blank=True)
    posting = models.CharField(max_length=10, choices=Posting.choices, default=Posting.NONE)
    heel_cup = models.CharField(max_length=10, choices=HeelCup.choices, blank=True)
    heel_lift_mm = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(25)])
    met_pad = models.BooleanField("metatarsal pad", default=False)
    suitable_for_children = models.BooleanField(
        default=False,
        help_text="Made for children's feet. Only these are offered to a child in the foot assessment.",
    )
    cushioning = models.CharField(max_length=10, choices=Level.choices, blank=True)
    length = models.CharField(max_length=15, choices=Length.choices, blank=True)
    volume = models.CharField(max_length=10, choices=Level.choices, blank=True)
    shoe_types = models.JSONField(default=list, blank=True, validators=[validate_shoe_types])
    activities = models.JSONField(default=list, blank=True, validators=[validate_activities])
    conditions = models.ManyToManyField(Condition, blank=True, related_name="products")

    # Returns: None means "the default for the kind" (custom orthotics are not returnable).
    returnable = models.BooleanField(
        null=True, blank=True, help_text="Leave empty for the default: custom orthotics are not returnable."
    )
    return_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Overrides SHOP_RETURN_DAYS for this product."
    )
    replacement_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Overrides SHOP_REPLACEMENT_DAYS for this product."
    )
    sealed_hygiene = models.BooleanField(
        default=False,
        help_text="Sealed for hygiene: where the law allows it, the right of withdrawal ends once the "
        "customer breaks the seal.",
    )
    production_days = models.PositiveSmallIntegerField(
        default=0, help_text="Working days to make a custom orthotic before it ships."
    )
    tax_class = models.CharField(
        max_length=10,
        choices=TaxClass.choices,
        default=TaxClass.STANDARD,
        help_text="The VAT rate it takes: reduced where the country grants it (orthopaedic appliances).",
    )

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["kind", "is_active"]),
            # The product list's default page: an index scan of the first rows instead of sorting
            # every active product by name under the database collation.
            models.Index(
                fields=["name", "id"], condition=models.Q(is_active=True), name="product_active_name_idx"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("product-detail", kwargs={"slug": self.slug})

    def return_policy(self) -> ReturnPolicy:
        """Return the promise this product makes today, with the shop's defaults filled in."""
        returnable = (
            self.returnable if self.returnable is not None else self.kind != ProductKind.CUSTOM_ORTHOTIC
        )
        return ReturnPolicy(
            returnable=returnable,
            return_days=self.return_days if self.return_days is not None else settings.SHOP_RETURN_DAYS,
            replacement_days=(
                self.replacement_days if self.replacement_days is not None else settings.SHOP_REPLACEMENT_DAYS
            ),
        )


class ProductVariant(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField("SKU", max_length=64, unique=True)
    size_label = models.CharField(max_length=40, help_text="As shown to customers, e.g. 'EU 40-41'.")
    eu_min = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    eu_max = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    foot_length_min_mm = models.PositiveSmallIntegerField(null=True, blank=True)
    foot_length_max_mm = models.PositiveSmallIntegerField(null=True, blank=True)
    width = models.CharField(max_length=10, choices=Width.choices, default=Width.REGULAR)
    price = models.DecimalField(
        "own price",
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text="Leave empty for the product's price (catalogue.pricing.variant_price).",
    )
    stock = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "eu_min", "sku"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gte=0),
                name="variant_price_not_negative",
                violation_error_message="A size's price cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(eu_min__isnull=True) | Q(eu_max__isnull=True) | Q(eu_min__lte=models.F("eu_max")),
                name="variant_eu_band_ordered",
                violation_error_message="The smallest EU size must not be above the largest.",
            ),
            models.CheckConstraint(
                condition=Q(foot_length_min_mm__isnull=True)
                | Q(foot_length_max_mm__isnull=True)
                | Q(foot_length_min_mm__lte=models.F("foot_length_max_mm")),
                name="variant_length_band_ordered",
                violation_error_message="The shortest foot length must not be above the longest.",
            ),
        ]

    def __str__(self):
        return f"{self.product.name} – {self.size_label} ({self.sku})"

    def clean(self):
        """Put a band given the wrong way round next to its upper bound (the constraints say it once more)."""
        errors = {}
        if self.eu_min is not None and self.eu_max is not None and self.eu_min > self.eu_max:
            errors["eu_max"] = f"The largest EU size must be at least the smallest ({self.eu_min})."
        if (
            self.foot_length_min_mm is not None
            and self.foot_length_max_mm is not None
            and self.foot_length_min_mm > self.foot_length_max_mm
        ):
            errors["foot_length_max_mm"] = (
                f"The longest foot length must be at least the shortest ({self.foot_length_min_mm} mm)."
            )
        if errors:
            raise ValidationError(errors)


def product_image_path(instance, filename):
    return f"products/{instance.product_id}/{filename}"


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to=product_image_path, width_field="width", height_field="height")
    thumbnail = models.ImageField(upload_to=product_image_path, blank=True)
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)
    alt = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.alt or f"Image of {self.product}"


class TagsField(models.Field):
    """A list of short strings (or integers): an array on PostgreSQL (GIN-indexed), a JSON array in text elsewhere.

    Filtered with ``__has_all`` (every value given) and ``__has_any`` (one of them), which PostgreSQL
    answers from the GIN index (``@>``, ``&&``) and SQLite with ``json_each``. Strings are compared
    byte by byte on PostgreSQL (``COLLATE "C"``): they are codes, not words, and an array compared
    under the database's collation costs several times more per row.
    """

    description = "list of tags"
    _ARRAY_TYPES = {"text": ('text[] COLLATE "C"', "text[]"), "integer": ("integer[]", "integer[]")}

    def __init__(self, *args, base_type: str = "text", **kwargs):
        self.base_type = base_type
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.base_type != "text":
            kwargs["base_type"] = self.base_type
        return name, path, args, kwargs

    @property
    def array_cast(self) -> str:
        return self._ARRAY_TYPES[self.base_type][1]

    def db_type(self, connection):
        return self._ARRAY_TYPES[self.base_type][0] if connection.vendor == "postgresql" else "text"

    def get_prep_value(self, value):
        return list(value or ())

    def get_db_prep_value(self, value, connection, prepared=False):
        value = list(value or ())
        return value if connection.vendor == "postgresql" else json.dumps(value)

    def get_placeholder(self, value, compiler, connection):
        return f"%s::{self.array_cast}" if connection.vendor == "postgresql" else "%s"

    def from_db_value(self, value, expression, connection):
        if value is None:
            return []
        return json.loads(value) if isinstance(value, str) else list(value)


class _TagsLookup(Lookup):
    prepare_rhs = False
    postgres_operator = ""
    sqlite_join = ""

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        tags = list(self.rhs)
        if connection.vendor == "postgresql":
            cast = self.lhs.output_field.array_cast
            return f"{lhs} {self.postgres_operator} %s::{cast}", [*lhs_params, tags]
        clause = f"EXISTS (SELECT 1 FROM json_each({lhs}) WHERE json_each.value = %s)"
        return f"({f' {self.sqlite_join} '.join([clause] * len(tags))})", [
            param for tag in tags for param in (*lhs_params, tag)
        ]


@TagsField.register_lookup
class TagsHasAll(_TagsLookup):
    lookup_name = "has_all"
    postgres_operator = "@>"
    sqlite_join = "AND"


@TagsField.register_lookup
class TagsHasAny(_TagsLookup):
    lookup_name = "has_any"
    postgres_operator = "&&"
    sqlite_join = "OR"


class ProductListing(models.Model):
    """An active product as the API shows it: the catalogue's read model, and every catalogue read's source.

    One row per active product, written by ``catalogue.listing`` whenever the product, its variants,
    images, category or conditions change, so any product list (with any filter, search, ordering
    and page) or detail is one query (``docs/performance.md``). The JSON is the product serializers'
    own output, with placeholders for what is not the product's to know: the request's scheme and
    host, and the stock flags and hints. Beside it, what the list filters and sorts on, as indexed
    columns: ``tags`` (category, kind, arch support, conditions, activities, shoe types), ``sizes``
    (the EU sizes the sellable variants cover), ``in_stock`` and ``stock_sizes`` (whether the product
    is in stock, and the EU sizes its in-stock variants cover: rewritten by every stock move that
    takes a size to or from zero), ``price``, ``created_at`` and the search text
    (``search_vector`` on PostgreSQL). Not a cache:
    nothing expires, and a row built under other settings or code (``format``) is never served as it is.
    """

    product = models.OneToOneField(
        Product, on_delete=models.CASCADE, primary_key=True, related_name="listing"
    )
    slug = models.SlugField(max_length=200, unique=True)
    name = models.CharField(max_length=200)
    format = models.CharField(max_length=32)
    list_json = models.TextField()
    detail_json = models.TextField()
    variant_count = models.PositiveSmallIntegerField()
    tags = TagsField(default=list)
    sizes = TagsField(base_type="integer", default=list)  # EU sizes in tenths the sellable sizes cover
    in_stock = models.BooleanField(default=False)  # a sellable size has a unit (``catalogue.stock``)
    stock_sizes = TagsField(base_type="integer", default=list)  # EU sizes in tenths the in-stock sizes cover
    price = models.DecimalField(max_digits=10, decimal_places=2, null=True)
    created_at = models.DateTimeField(null=True)
    # Search: weight B (short description, condition names) and C (description, SKUs); the name is A.
    search_b = models.TextField(default="")
    search_c = models.TextField(default="")
    # The name and condition names, lower-cased: what a misspelt search is compared with (trigrams).
    search_words = models.TextField(default="")
    search_vector = SearchVectorField(null=True)  # PostgreSQL only (written by ``catalogue.listing``)

    class Meta:
        indexes = [
            models.Index(fields=["name", "product"], name="listing_name_idx"),
            models.Index(fields=["price", "product"], name="listing_price_idx"),
            models.Index(fields=["created_at", "product"], name="listing_created_idx"),
            models.Index(fields=["in_stock", "name", "product"], name="listing_stock_name_idx"),
        ]

    def __str__(self):
        return self.name


class ProductListingWord(models.Model):
    """One word of a listed product's search text, with where it occurs best: the search's postings (PostgreSQL).

    A row per lexeme of ``ProductListing.search_vector`` and product, with the best ``tier`` the
    word holds in that product (1 the name, 2 the short description or condition names, 3 only
    the description or SKUs) and the product's name. Indexed by word, tier and name, a one-word
    search reads each tier's page in name order straight from the index, however many products
    hold the word, instead of testing every name before it; indexed by word and name, a search of
    several words joins each word's entries in name order (``catalogue.listing``). Written with
    the vector, in the same transaction; removed with the listing row (on PostgreSQL the foreign
    key cascades in the database). Other databases search the text columns and keep no rows here.
    """

    pk = models.CompositePrimaryKey("word", "product")
    word = models.TextField()
    # No constraint from Django (and nothing for its delete collector to do): on PostgreSQL the
    # migration adds one that cascades in the database.
    product = models.ForeignKey(
        ProductListing, on_delete=models.DO_NOTHING, db_constraint=False, related_name="words"
    )
    tier = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)

    class Meta:
        indexes = [
            models.Index(fields=["word", "tier", "name", "product"], name="listing_word_tier_idx"),
            # A word's entries in name order, of the first two tiers and of all three, for a search
            # of several words.
            models.Index(
                fields=["word", "name", "product"],
                include=["tier"],
                condition=models.Q(tier__lte=2),
                name="listing_word_early_idx",
            ),
            models.Index(fields=["word", "name", "product"], include=["tier"], name="listing_word_name_idx"),
        ]

    def __str__(self):
        return self.word


class ProductListingTag(models.Model):
    """One filter tag of a listed product (``ProductListing.tags``) with its name, price and tags: a filter's postings (PostgreSQL).

    Indexed by tag and name, and by tag and price, each holding the row's tags and the other
    order's column, a list filtered by tags (and a price range) reads its page and its count from
    one tag's entries alone, in its order, testing the other tags in the index, however many
    products come before the first that has them (``catalogue.listing``). Written with the row, in
    the same transaction; removed with it (on PostgreSQL the foreign key cascades in the database).
    Other databases filter the row's tags and keep no rows here.
    """

    pk = models.CompositePrimaryKey("tag", "product")
    tag = models.TextField()
    # As for the search's postings: the database's own cascading constraint (PostgreSQL).
    product = models.ForeignKey(
        ProductListing, on_delete=models.DO_NOTHING, db_constraint=False, related_name="tag_rows"
    )
    name = models.CharField(max_length=200)
    price = models.DecimalField(max_digits=10, decimal_places=2, null=True)
    tags = TagsField(default=list)

    class Meta:
        # The INCLUDE columns are PostgreSQL's (the only database that keeps rows here).
        indexes = [
            models.Index(
                fields=["tag", "name", "product"], include=["tags", "price"], name="listing_tag_name_idx"
            ),
            models.Index(
                fields=["tag", "price", "product"], include=["tags", "name"], name="listing_tag_price_idx"
            ),
        ]

    def __str__(self):
        return self.tag
